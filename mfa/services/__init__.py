"""Writes about second factors, by subject. Each change runs in a transaction with its security event.

Refusals raise `TwoFactorError` (str() is the user's message). Callers import
from `mfa.services`; the subjects: `attempts` (counted before they are judged,
failures recorded outside the refused transaction), `totp`, `security_keys`
(WebAuthn), `recovery` (codes), `reauthentication`, `staff` (the admin).
"""

from ..errors import EmailNotVerified, LastMethod, TwoFactorError
from ._common import METHOD_NAMES, require_verified_email
from .attempts import (
    attempt_succeeded,
    attempts_key,
    check_attempts,
    check_password,
    record_failure,
    two_factor_attempts,
    two_factor_attempts_exhausted,
    two_factor_attempts_per_ip,
    webauthn_attempt,
    webauthn_attempts_per_ip,
)
from .reauthentication import reauthenticate_with_password, reauthenticated
from .recovery import recovery_code_verify, recovery_codes_generate
from .security_keys import WEBAUTHN_LABEL_MAX, webauthn_credential_added, webauthn_credential_remove, webauthn_label_check
from .staff import staff_device_remove, two_factor_reset
from .totp import (
    TOTP_DIGITS,
    TOTP_LABEL,
    TOTP_STEP,
    TOTP_TOLERANCE,
    totp_base32,
    totp_device_confirm,
    totp_device_remove,
    totp_new_key,
    totp_provisioning_uri,
    totp_qr_svg,
    totp_verify,
)

__all__ = [
    "EmailNotVerified", "LastMethod", "TwoFactorError", "METHOD_NAMES", "require_verified_email",
    "attempt_succeeded", "attempts_key", "check_attempts", "check_password", "record_failure",
    "two_factor_attempts", "two_factor_attempts_exhausted", "two_factor_attempts_per_ip", "webauthn_attempt",
    "webauthn_attempts_per_ip", "reauthenticate_with_password", "reauthenticated", "recovery_code_verify",
    "recovery_codes_generate", "WEBAUTHN_LABEL_MAX", "webauthn_credential_added", "webauthn_credential_remove",
    "webauthn_label_check", "staff_device_remove", "two_factor_reset", "TOTP_DIGITS", "TOTP_LABEL", "TOTP_STEP",
    "TOTP_TOLERANCE", "totp_base32", "totp_device_confirm", "totp_device_remove", "totp_new_key",
    "totp_provisioning_uri", "totp_qr_svg", "totp_verify",
]
