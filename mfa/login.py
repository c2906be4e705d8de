"""The second step of login: a half-logged-in session that a second factor completes.

`second_step` is named by settings.LOGIN_SECOND_STEP and called by the accounts
login view after a correct password.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import login as otp_login
from django.utils.translation import gettext

from accounts.events import record_event
from accounts.models import User
from accounts.services import user_login

from .events import EventTag
from .selectors import user_has_two_factor

SESSION_KEY = "mfa_half_login"


@dataclass
class HalfLogin:
    user: User
    next_url: str
    expired: bool


def half_login_start(request, user, next_url):
    # A new session key once the password is right (and again when the second
    # factor completes the login): a key fixed before login is worth nothing.
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"user_id": user.pk, "next": next_url, "started": int(time.time())}


def second_step(request, user, next_url):
    """None for a user without 2FA (log them in now), else a redirect to the second step."""
    if not user_has_two_factor(user):
        return None
    half_login_start(request, user, next_url)
    return redirect("mfa:second-step")


def half_login(request):
    """The pending half-login of this session, or None."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    user = User.objects.filter(pk=data.get("user_id"), is_active=True).first()
    if user is None:
        request.session.pop(SESSION_KEY, None)
        return None
    expired = time.time() - data.get("started", 0) > settings.MFA_HALF_LOGIN_MAX_AGE
    return HalfLogin(user=user, next_url=data.get("next") or reverse(settings.LOGIN_REDIRECT_URL), expired=expired)


def half_login_expire(request, pending):
    """End an expired half-login, record it, and send the user back to the password step."""
    request.session.pop(SESSION_KEY, None)
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_TWO_FACTOR_FAILURE, request=request, user=pending.user, details={"reason": "expired"}
        )
    messages.error(request, gettext("Your sign-in expired after 5 minutes without a second factor. Log in again."))
    return f"{reverse('accounts:login')}?{urlencode({'next': pending.next_url})}"


@transaction.atomic
def login_complete(*, request, user, device, method):
    """Finish a login whose second factor `device` (a django-otp device) has been checked."""
    request.session.pop(SESSION_KEY, None)
    user_login(request=request, user=user, method=method)
    # Marks the session verified for django-otp (the admin site requires it).
    otp_login(request, device)
