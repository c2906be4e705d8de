"""Authenticator apps (TOTP): one per account, each code accepted once."""

import time
from binascii import unhexlify

import segno
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from django.utils.translation import gettext

from accounts.events import record_event

from .. import selectors
from ..errors import TwoFactorError
from ..events import EventTag
from ._common import METHOD_NAMES, lock_user, mail_on_commit, method_removed, require_verified_email
from .attempts import attempt_succeeded, check_attempts, check_password, refuse, refuse_last_method

TOTP_LABEL = "Authenticator app"
TOTP_STEP = 30
TOTP_DIGITS = 6
TOTP_TOLERANCE = 1


def totp_new_key():
    """A new 160-bit secret, hex-encoded (django-otp's format)."""
    return default_key()


def totp_provisioning_uri(*, user, key):
    return TOTPDevice(user=user, key=key, step=TOTP_STEP, digits=TOTP_DIGITS).config_url


def totp_qr_svg(uri):
    """The provisioning URI as an inline SVG QR code, drawn on the server."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code for your authenticator app")


def totp_base32(key):
    from base64 import b32encode

    return b32encode(unhexlify(key)).decode()


def _totp_step_for(key, code, *, min_t=None):
    """The time step at which `code` is valid for `key` (±1 step), or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = TOTP(unhexlify(key), TOTP_STEP, 0, TOTP_DIGITS, 0)
    totp.time = time.time()
    if totp.verify(int(code), TOTP_TOLERANCE, min_t):
        return totp.t()
    return None


def totp_device_confirm(*, request, user, key, code):
    """Save the authenticator app whose secret is `key` once `code` proves the user set it up.

    Replaces any earlier authenticator app: one per account.
    """
    require_verified_email(user)
    check_attempts(request=request, user=user, method="totp")
    step = _totp_step_for(key, code)
    if step is None:
        refuse(
            request=request,
            user=user,
            method="totp",
            reason="invalid",
            message="That code is not valid. Check that your device's clock is right, and enter the current code.",
        )
    attempt_succeeded(user, request=request)
    with transaction.atomic():
        lock_user(user)
        replaced = TOTPDevice.objects.filter(user=user).delete()[0] > 0
        device = TOTPDevice.objects.create(
            user=user,
            name=TOTP_LABEL,
            key=key,
            step=TOTP_STEP,
            digits=TOTP_DIGITS,
            tolerance=TOTP_TOLERANCE,
            confirmed=True,
            # The confirming code is spent: it cannot also log in.
            last_t=step,
        )
        record_event(
            tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_ADDED,
            request=request,
            user=user,
            details={"method": "totp", "label": TOTP_LABEL, "replaced": replaced},
        )
        mail_on_commit(user, "method_added", method=METHOD_NAMES["totp"], label=TOTP_LABEL)
    return device


def totp_verify(*, request, user, code):
    """Check an authenticator-app code for `user`; each code is accepted once. Returns the device."""
    check_attempts(request=request, user=user, method="totp")
    replay = False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        verified = device is not None and device.verify_token((code or "").strip().replace(" ", ""))
        if device is not None and not verified:
            replay = _totp_step_for(device.key, code) is not None
    if verified:
        attempt_succeeded(user, request=request)
        return device
    if device is None:
        refuse(request=request, user=user, method="totp", reason="no_device", message="You have no authenticator app set up.")
    if replay:
        refuse(
            request=request,
            user=user,
            method="totp",
            reason="replay",
            message="This code has already been used. Wait for your app to show the next code.",
        )
    refuse(
        request=request,
        user=user,
        method="totp",
        reason="invalid",
        message="That code is not valid. Enter the current 6-digit code from your authenticator app.",
    )


def totp_device_remove(*, request, user, password):
    """Remove the authenticator app after the user confirms with the password."""
    check_password(request=request, user=user, password=password)
    with transaction.atomic():
        lock_user(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise TwoFactorError(gettext("You have no authenticator app set up."))
        last = selectors.user_two_factor_method_count(user) <= 1
        if not last:
            TOTPDevice.objects.filter(user=user).delete()
            method_removed(request=request, user=user, method="totp", label=TOTP_LABEL)
    if last:
        refuse_last_method(request=request, user=user, method="totp")
