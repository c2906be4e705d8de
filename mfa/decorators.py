"""The two access policies of management pages, as view decorators and class-based mixins.

- `two_factor_required`: mandatory 2FA. A signed-in user without a second
  factor is sent to set one up and brought back afterwards.
- `reauthentication_required` ("sudo mode"): when the last authentication is
  older than settings.REAUTH_MAX_AGE, the page is replaced by a password (or
  security key) prompt that returns to the same page. A POST that arrives
  stale is not performed.

Stack them as `@two_factor_required` then `@reauthentication_required`.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from accounts.ratelimit import RateLimited
from accounts.services import rate_limit_record, session_auth_age

from . import selectors, services
from .errors import TwoFactorError
from .forms import PasswordConfirmForm

TWO_FACTOR_REQUIRED_MESSAGE = gettext_lazy(
    "Two-factor authentication must be enabled on your account to perform this action."
)
REAUTH_FIELD = "_reauthenticate"


def two_factor_setup_url(next_url):
    return f"{reverse('mfa:manage')}?{urlencode({'next': next_url})}"


def two_factor_required(view):
    """Login required; a user without 2FA is redirected to the 2FA page with `next`."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.user_has_two_factor(request.user):
            messages.warning(request, TWO_FACTOR_REQUIRED_MESSAGE)
            return redirect(two_factor_setup_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapped


def reauthentication_fresh(request):
    age = session_auth_age(request)
    return age is not None and 0 <= age <= settings.REAUTH_MAX_AGE


def reauthenticate_response(request, *, form=None, error=None, status=200):
    """The in-place prompt for the password or a security key."""
    context = {
        "form": form or PasswordConfirmForm(),
        "reauth_field": REAUTH_FIELD,
        "return_to": request.get_full_path(),
        "has_security_key": selectors.user_webauthn_credentials(request.user).exists(),
        "stale_post": request.method == "POST" and REAUTH_FIELD not in request.POST,
        "rate_limited": error,
    }
    response = render(request, "mfa/reauthenticate.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _handle_reauthentication(request):
    form = PasswordConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.reauthenticate_with_password(
                request=request, user=request.user, password=form.cleaned_data["password"]
            )
        except RateLimited as error:
            rate_limit_record(request=request, error=error, user=request.user, details={"action": "reauthenticate"})
            response = reauthenticate_response(request, form=form, error=error.message, status=429)
            response["Retry-After"] = str(error.retry_after)
            return response
        except TwoFactorError as error:
            form.add_error("password", str(error))
        else:
            messages.success(request, gettext("Thank you. You can continue."))
            return redirect(request.get_full_path())
    return reauthenticate_response(request, form=form, status=400)


def reauthentication_required(view):
    """Login required; ask for the password again when the last authentication is too old."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and REAUTH_FIELD in request.POST:
            return _handle_reauthentication(request)
        if not reauthentication_fresh(request):
            return reauthenticate_response(request)
        return view(request, *args, **kwargs)

    return wrapped


class TwoFactorRequiredMixin:
    """Class-based form of `two_factor_required`; list it before the view class."""

    @classmethod
    def as_view(cls, **initkwargs):
        return two_factor_required(super().as_view(**initkwargs))


class ReauthenticationRequiredMixin:
    """Class-based form of `reauthentication_required`; list it before the view class."""

    @classmethod
    def as_view(cls, **initkwargs):
        return reauthentication_required(super().as_view(**initkwargs))
