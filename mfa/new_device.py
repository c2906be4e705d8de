"""New-device sign-in confirmation (as PyPI since 2025).

A browser that completed a sign-in to an account carries a long-lived signed
cookie naming it (an HMAC tag per account, not the account's id). A sign-in by
password and authenticator-app code or recovery code from a browser without
that tag is not granted at once: a one-time link goes to the primary address,
and only that same browser, opening it, is signed in. Security keys and
passkeys are exempt (they cannot be phished to another site). The owner is
mailed about every sign-in from a new browser either way.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django_otp.models import Device

from accounts.events import client_ip, record_event
from accounts.history import device_description
from accounts.mail import send_user_mail
from accounts.models import User

from .errors import TwoFactorError
from .events import EventTag
from .login import SESSION_KEY as HALF_LOGIN_KEY
from .login import login_complete
from .models import NewDeviceConfirmation

DEVICE_COOKIE = "known_device"
_COOKIE_SALT = "mfa.known-device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
# How many accounts one browser remembers (the newest).
_COOKIE_ACCOUNTS = 10
SESSION_PENDING = "mfa_new_device"
SESSION_LINK = "mfa_new_device_link"
# The mailed link works this long, once.
CONFIRMATION_MAX_AGE = 15 * 60
# Methods that cannot be phished: a key signs for this site's origin only.
PHISHING_RESISTANT = ("webauthn", "passkey")


def _account_tag(user):
    return salted_hmac("mfa.known-device.account", str(user.pk)).hexdigest()[:20]


def _known_tags(request):
    value = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=_COOKIE_SALT, max_age=DEVICE_COOKIE_AGE)
    return [tag for tag in value.split(",") if tag]


def device_known(request, user):
    """Whether this browser has completed a sign-in to `user`'s account before."""
    return _account_tag(user) in _known_tags(request)


def device_cookie_value(user, tags=()):
    """The cookie's value naming `user`'s account (and up to nine others already in `tags`)."""
    tag = _account_tag(user)
    return ",".join([*[t for t in tags if t != tag][-(_COOKIE_ACCOUNTS - 1):], tag])


def remember(request, response, user):
    """Mark this browser, on `response`, as one `user`'s account uses. Returns `response`."""
    response.set_signed_cookie(
        DEVICE_COOKIE,
        device_cookie_value(user, _known_tags(request)),
        salt=_COOKIE_SALT,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _browser_known(request, user):
    # A session already signed in to the account (asked for a second factor it did not pass
    # before, as the admin does) is not a new browser either.
    return device_known(request, user) or (request.user.is_authenticated and request.user.pk == user.pk)


def needs_confirmation(request, user, method):
    """Whether this sign-in waits for the mailed link."""
    return settings.NEW_DEVICE_CONFIRMATION and method not in PHISHING_RESISTANT and not _browser_known(request, user)


def _device_words(request):
    return device_description(request.META.get("HTTP_USER_AGENT", "")) or gettext("Unknown device")


def sign_in(request, response, *, user, device, method):
    """Grant the session (the factors have passed) and, on a browser new to the account, tell the owner
    and remember the browser on `response`."""
    known = _browser_known(request, user)
    with transaction.atomic():
        login_complete(request=request, user=user, device=device, method=method)
        if not known:
            record_event(
                tag=EventTag.ACCOUNT_NEW_DEVICE_SIGN_IN,
                request=request,
                user=user,
                details={"method": method, "device": _device_words(request)},
            )
            context = {"device": _device_words(request), "ip_address": client_ip(request) or ""}
            transaction.on_commit(
                lambda: send_user_mail(user=user, template="mfa/mail/new_device_sign_in", context=context)
            )
    if not device_known(request, user):
        remember(request, response, user)
    return response


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def confirmation_send(*, request, user, device, method, next_url):
    """Hold the sign-in and mail a one-time link to the primary address; the session waits for it."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        NewDeviceConfirmation.objects.filter(user=user, expires__lt=timezone.now()).delete()
        confirmation = NewDeviceConfirmation.objects.create(
            user=user, token_digest=_digest(token), expires=timezone.now() + timedelta(seconds=CONFIRMATION_MAX_AGE)
        )
        record_event(
            tag=EventTag.ACCOUNT_NEW_DEVICE_CONFIRMATION_SENT,
            request=request,
            user=user,
            details={"method": method, "device": _device_words(request)},
        )
        link = settings.SITE_URL + reverse("mfa:new-device-link", kwargs={"token": token})
        context = {"link": link, "device": _device_words(request), "minutes": CONFIRMATION_MAX_AGE // 60}
        transaction.on_commit(
            lambda: send_user_mail(user=user, template="mfa/mail/new_device_confirm", context=context)
        )
    request.session.pop(HALF_LOGIN_KEY, None)
    request.session[SESSION_PENDING] = {
        "user_id": user.pk,
        "confirmation_id": confirmation.pk,
        "device_id": device.persistent_id,
        "method": method,
        "next": next_url,
    }
    return confirmation


def _refuse(*, request, user, reason, message):
    with transaction.atomic():
        record_event(tag=EventTag.ACCOUNT_NEW_DEVICE_REFUSED, request=request, user=user, details={"reason": reason})
    raise TwoFactorError(message)


def confirmation_claim(*, request, token):
    """Spend the link `token` for the browser of `request`. Returns (user, device, method, next_url).

    Raises TwoFactorError with the reason in words: unknown link, another
    browser, already used, expired. Exactly one of many parallel claims wins.
    """
    confirmation = NewDeviceConfirmation.objects.filter(token_digest=_digest(token or "")).select_related("user").first()
    if confirmation is None:
        raise TwoFactorError(gettext("This sign-in link is not valid. Sign in again to get a new one."))
    user = confirmation.user
    pending = request.session.get(SESSION_PENDING)
    if not isinstance(pending, dict) or pending.get("confirmation_id") != confirmation.pk:
        _refuse(
            request=request,
            user=user,
            reason="other_browser",
            message=gettext(
                "Open this link in the browser where you signed in: it confirms that browser, and no other."
            ),
        )
    now = timezone.now()
    claimed = NewDeviceConfirmation.objects.filter(
        pk=confirmation.pk, used_at__isnull=True, expires__gt=now
    ).update(used_at=now)
    if not claimed:
        confirmation.refresh_from_db()
        used = confirmation.used_at is not None
        _refuse(
            request=request,
            user=user,
            reason="used" if used else "expired",
            message=gettext("This sign-in link has already been used. Sign in again.")
            if used
            else gettext("This sign-in link has expired. Sign in again to get a new one."),
        )
    request.session.pop(SESSION_PENDING, None)
    device = Device.from_persistent_id(pending.get("device_id") or "")
    if device is None or device.user_id != user.pk or not User.objects.filter(pk=user.pk, is_active=True).exists():
        _refuse(request=request, user=user, reason="device_gone", message=gettext("This sign-in cannot be finished. Sign in again."))
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_NEW_DEVICE_CONFIRMED,
            request=request,
            user=user,
            details={"method": pending.get("method"), "device": _device_words(request)},
        )
    return user, device, pending.get("method") or "totp", pending.get("next") or reverse(settings.LOGIN_REDIRECT_URL)
