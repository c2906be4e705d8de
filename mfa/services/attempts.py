"""Attempts at a second factor or a password confirmation: counted before they are judged, failures recorded.

Failed attempts are recorded and counted *outside* the refused transaction, so
the record survives the rollback.
"""

from django.db import transaction
from django.utils.translation import gettext

from accounts.events import EventTag as AccountEventTag
from accounts.events import client_ip, record_event
from accounts.ratelimit import RateLimit, RateLimited, login_failures
from accounts.services import rate_limit_record

from ..errors import LastMethod, TwoFactorError
from ..events import EventTag

# PyPI's limits on second-factor attempts: 5 per 5 minutes, 20 an hour and 50 a day per account,
# and 10 per 5 minutes and 50 an hour per IP address (only failures count: a success gives its hit back).
two_factor_attempts = RateLimit("two-factor", limit=5, window=300, longer=((20, 3600), (50, 24 * 3600)))
two_factor_attempts_per_ip = RateLimit("two-factor-ip", limit=10, window=300, longer=((50, 3600),))
# Security-key ceremonies (second step, passkey sign-in, re-authentication) per client IP.
webauthn_attempts_per_ip = RateLimit("webauthn-ip", limit=20, window=300)

def attempts_key(user):
    return f"user:{user.pk}"


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


def refuse(*, request, user, method, reason, message):
    record_failure(request=request, user=user, method=method, reason=reason)
    raise TwoFactorError(message)


def refuse_last_method(*, request, user, method):
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_TWO_FACTOR_FAILURE,
            request=request,
            user=user,
            details={"method": method, "reason": "last_method"},
        )
    raise LastMethod()


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
