"""Writes about second factors. Each change runs in a transaction with its security event.

Refusals raise `TwoFactorError` (str() is the user's message). Failed attempts
are recorded and counted *outside* the refused transaction, so the record
survives the rollback.
"""

import time
from binascii import unhexlify

import segno
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from django_otp_webauthn.models import WebAuthnCredential
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.events import EventTag as AccountEventTag
from accounts.events import client_ip, record_event
from accounts.mail import send_user_mail
from accounts.models import User
from accounts.ratelimit import RateLimit, RateLimited, login_failures
from accounts.selectors import user_has_verified_primary_email
from accounts.services import notify_on_commit, rate_limit_record, session_mark_authenticated
from accounts.sessions.services import sessions_end

from .events import EventTag
from . import selectors
from .errors import EmailNotVerified, LastMethod, TwoFactorError
from .models import RECOVERY_CODE_COUNT, RecoveryCode, RecoveryCodeDevice, new_recovery_code, recovery_code_hash

# PyPI's limits on second-factor attempts: 5 per 5 minutes, 20 an hour and 50 a day per account,
# and 10 per 5 minutes and 50 an hour per IP address (only failures count: a success gives its hit back).
two_factor_attempts = RateLimit("two-factor", limit=5, window=300, longer=((20, 3600), (50, 24 * 3600)))
two_factor_attempts_per_ip = RateLimit("two-factor-ip", limit=10, window=300, longer=((50, 3600),))
# Security-key ceremonies (second step, passkey sign-in, re-authentication) per client IP.
webauthn_attempts_per_ip = RateLimit("webauthn-ip", limit=20, window=300)

TOTP_LABEL = "Authenticator app"
TOTP_STEP = 30
TOTP_DIGITS = 6
TOTP_TOLERANCE = 1
METHOD_NAMES = {"totp": gettext_lazy("authenticator app"), "webauthn": gettext_lazy("security key")}


def attempts_key(user):
    return f"user:{user.pk}"


def _lock_user(user):
    return User.objects.select_for_update().get(pk=user.pk)


def _mail_on_commit(user, template, **context):
    transaction.on_commit(lambda: send_user_mail(user=user, template=f"mfa/mail/{template}", context=context))


def record_failure(*, request, user, method, reason):
    """Record a failed second-factor attempt (already counted by `check_attempts`)."""
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_TWO_FACTOR_FAILURE, request=request, user=user, details={"method": method, "reason": reason}
        )


def check_attempts(*, request, user, method):
    """Count this attempt against the user's limit before it is evaluated.

    Counts against the client's IP address first, then the account. Raises
    RateLimited (and records the refused attempt) once the attempts are used
    up; a successful attempt gives its count back (`attempt_succeeded`).
    """
    try:
        two_factor_attempts_per_ip.consume(client_ip(request) if request is not None else None)
        two_factor_attempts.consume(attempts_key(user))
    except RateLimited:
        with transaction.atomic():
            record_event(
                tag=EventTag.ACCOUNT_TWO_FACTOR_FAILURE,
                request=request,
                user=user,
                details={"method": method, "reason": "rate_limited"},
            )
        raise


def two_factor_attempts_exhausted(user):
    """Whether the user's attempts are used up now: only to refuse early, never as the guard itself."""
    return two_factor_attempts.exhausted(attempts_key(user))


def webauthn_attempt(*, request, user, method="webauthn"):
    """Count one security-key ceremony against the client's IP and, when known, the user, before it is evaluated."""
    try:
        webauthn_attempts_per_ip.consume(client_ip(request))
    except RateLimited as error:
        rate_limit_record(request=request, error=error, user=user, details={"method": method})
        raise
    if user is not None:
        check_attempts(request=request, user=user, method=method)


def attempt_succeeded(user, *, request=None):
    """A right code or key does not count against the limits on wrong ones (the account's, and the IP's)."""
    two_factor_attempts.refund(attempts_key(user))
    if request is not None:
        two_factor_attempts_per_ip.refund(client_ip(request))


def _refuse(*, request, user, method, reason, message):
    record_failure(request=request, user=user, method=method, reason=reason)
    raise TwoFactorError(message)


def _refuse_last_method(*, request, user, method):
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_TWO_FACTOR_FAILURE,
            request=request,
            user=user,
            details={"method": method, "reason": "last_method"},
        )
    raise LastMethod()


def require_verified_email(user):
    if not user_has_verified_primary_email(user):
        raise EmailNotVerified()


def check_password(*, request, user, password):
    """Check `user`'s password against the login rate limit; raise TwoFactorError if wrong."""
    key = attempts_key(user)
    login_failures.consume(key)
    if not user.check_password(password or ""):
        with transaction.atomic():
            record_event(
                tag=AccountEventTag.ACCOUNT_LOGIN_FAILURE, request=request, user=user, details={"reason": "password_confirmation"}
            )
        raise TwoFactorError(gettext("The password you entered is not correct."))
    login_failures.refund(key)


# --- authenticator apps (TOTP) ---------------------------------------------


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
        _refuse(
            request=request,
            user=user,
            method="totp",
            reason="invalid",
            message="That code is not valid. Check that your device's clock is right, and enter the current code.",
        )
    attempt_succeeded(user, request=request)
    with transaction.atomic():
        _lock_user(user)
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
        _mail_on_commit(user, "method_added", method=METHOD_NAMES["totp"], label=TOTP_LABEL)
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
        _refuse(request=request, user=user, method="totp", reason="no_device", message="You have no authenticator app set up.")
    if replay:
        _refuse(
            request=request,
            user=user,
            method="totp",
            reason="replay",
            message="This code has already been used. Wait for your app to show the next code.",
        )
    _refuse(
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
        _lock_user(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise TwoFactorError(gettext("You have no authenticator app set up."))
        last = selectors.user_two_factor_method_count(user) <= 1
        if not last:
            TOTPDevice.objects.filter(user=user).delete()
            record_event(
                tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_REMOVED,
                request=request,
                user=user,
                details={"method": "totp", "label": TOTP_LABEL},
            )
            sessions_end(request=request, user=user, reason="two_factor_method_removed")
            _mail_on_commit(user, "method_removed", method=METHOD_NAMES["totp"], label=TOTP_LABEL)
    if last:
        _refuse_last_method(request=request, user=user, method="totp")


# --- security keys and passkeys (WebAuthn) ----------------------------------

WEBAUTHN_LABEL_MAX = 64


def webauthn_label_check(*, user, label):
    """Raise TwoFactorError unless `label` is usable for a new key of `user`."""
    label = (label or "").strip()
    if not label:
        raise TwoFactorError(gettext("Give the security key a label, so you can tell your keys apart."))
    if len(label) > WEBAUTHN_LABEL_MAX:
        raise TwoFactorError(gettext("A label can have at most %(max)d characters.") % {"max": WEBAUTHN_LABEL_MAX})
    if WebAuthnCredential.objects.filter(user=user, name__iexact=label).exists():
        raise TwoFactorError(gettext("You already have a security key labelled “%(label)s”. Choose another label.") % {"label": label})
    return label


def webauthn_credential_added(*, request, user, credential, label):
    """Name a just-verified credential and record it. Call inside the registration's transaction."""
    require_verified_email(user)
    _lock_user(user)
    label = webauthn_label_check(user=user, label=label)
    credential.name = label
    credential.save(update_fields=["name"])
    record_event(
        tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_ADDED,
        request=request,
        user=user,
        details={"method": "webauthn", "label": label},
    )
    _mail_on_commit(user, "method_added", method=METHOD_NAMES["webauthn"], label=label)
    return credential


def webauthn_credential_remove(*, request, user, credential_id, label_confirmation):
    """Remove one of the user's keys; the user types its label to confirm."""
    with transaction.atomic():
        _lock_user(user)
        credential = WebAuthnCredential.objects.filter(user=user, pk=credential_id).first()
        if credential is None:
            raise TwoFactorError(gettext("That security key is not on your account."))
        if (label_confirmation or "").strip() != credential.name:
            raise TwoFactorError(
                gettext("Type the key's label, “%(credential)s”, exactly to confirm.") % {"credential": credential.name}
            )
        last = selectors.user_two_factor_method_count(user) <= 1
        if not last:
            label = credential.name
            credential.delete()
            record_event(
                tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_REMOVED,
                request=request,
                user=user,
                details={"method": "webauthn", "label": label},
            )
            sessions_end(request=request, user=user, reason="two_factor_method_removed")
            _mail_on_commit(user, "method_removed", method=METHOD_NAMES["webauthn"], label=label)
    if last:
        _refuse_last_method(request=request, user=user, method="webauthn")
    return label


# --- recovery codes ----------------------------------------------------------


def recovery_codes_generate(*, request, user):
    """Make a new set of 8 codes, replacing any earlier set. Returns the codes: show them once."""
    require_verified_email(user)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        _lock_user(user)
        regenerated = RecoveryCodeDevice.objects.filter(user=user).delete()[0] > 0
        device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=recovery_code_hash(c)) for c in codes)
        tag = EventTag.ACCOUNT_RECOVERY_CODES_REGENERATED if regenerated else EventTag.ACCOUNT_RECOVERY_CODES_GENERATED
        record_event(tag=tag, request=request, user=user, details={"count": len(codes)})
        if regenerated:
            _mail_on_commit(user, "recovery_codes_regenerated")
    return codes


def recovery_code_verify(*, request, user, code):
    """Spend one recovery code of `user`. Returns (device, remaining)."""
    check_attempts(request=request, user=user, method="recovery_code")
    used = False
    with transaction.atomic():
        device = RecoveryCodeDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        row = device and device.code_matching(code)
        if row is not None and row.used_at is None:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            remaining = device.unused_codes().count()
            record_event(
                tag=EventTag.ACCOUNT_RECOVERY_CODES_USED, request=request, user=user, details={"remaining": remaining}
            )
            attempt_succeeded(user, request=request)
            notify_on_commit(
                user=user,
                subject=gettext("Recovery code used"),
                what=ngettext(
                    "A recovery code was used to sign in to your account. %(remaining)d unused code remains.",
                    "A recovery code was used to sign in to your account. %(remaining)d unused codes remain.",
                    remaining,
                )
                % {"remaining": remaining},
                detail=gettext("Generate a new set from your account's two-factor page when few remain."),
            )
            return device, remaining
        used = row is not None
    if used:
        _refuse(
            request=request,
            user=user,
            method="recovery_code",
            reason="used",
            message="This recovery code has already been used.",
        )
    _refuse(
        request=request,
        user=user,
        method="recovery_code",
        reason="invalid",
        message="That recovery code is not valid.",
    )


# --- re-authentication -------------------------------------------------------


def reauthenticated(*, request, user, method):
    """Note that the signed-in user just proved who they are again."""
    with transaction.atomic():
        session_mark_authenticated(request)
        record_event(tag=EventTag.ACCOUNT_REAUTHENTICATE, request=request, user=user, details={"method": method})


def reauthenticate_with_password(*, request, user, password):
    check_password(request=request, user=user, password=password)
    reauthenticated(request=request, user=user, method="password")


# --- staff -------------------------------------------------------------------


@transaction.atomic
def two_factor_reset(*, request, user):
    """Staff: remove every second factor of `user` (who must then set one up again)."""
    _lock_user(user)
    TOTPDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    record_event(
        tag=EventTag.ACCOUNT_TWO_FACTOR_RESET, request=request, user=user, details={"staff": request.user.username}
    )
    sessions_end(request=request, user=user, reason="two_factor_reset")
    notify_on_commit(
        user=user,
        subject=gettext("Two-factor authentication reset"),
        what=gettext("The site's staff removed every two-factor method from your account."),
        detail=gettext("Set up two-factor authentication again after you sign in: uploads and management need it."),
    )


def staff_device_remove(*, request, device):
    """Staff: delete one second-factor device of a user (admin), recorded with the staff member and mailed."""
    if isinstance(device, TOTPDevice):
        method = "totp"
    elif isinstance(device, WebAuthnCredential):
        method = "webauthn"
    else:
        method = "recovery_codes"
    with transaction.atomic():
        user = _lock_user(device.user)
        label = device.name
        device.delete()
        record_event(
            tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_REMOVED,
            request=request,
            user=user,
            details={"method": method, "label": label, "staff": request.user.username},
        )
        sessions_end(request=request, user=user, reason="two_factor_method_removed")
        notify_on_commit(
            user=user,
            subject=gettext("Two-factor method removed by staff"),
            what=gettext("The site's staff removed a two-factor method from your account: %(label)s.")
            % {"label": label},
        )
