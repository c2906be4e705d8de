"""Recovery codes, as a django-otp device so that a login with one marks the session verified.

Codes are random (64 bits each) and stored only as SHA-256 digests: like API
tokens, their entropy makes a slow hash unnecessary, and a digest lets a code be
found without comparing it against every stored one.
"""

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django_otp.models import Device

RECOVERY_CODE_COUNT = 8


def normalize_recovery_code(code):
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def recovery_code_digest(code):
    return hashlib.sha256(normalize_recovery_code(code).encode()).hexdigest()


def new_recovery_code():
    raw = secrets.token_hex(8)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}"


class RecoveryCodeDevice(Device):
    """A user's set of single-use recovery codes (one device per user)."""

    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "recovery code set"

    def unused_codes(self):
        return self.codes.filter(used_at__isnull=True)

    def verify_token(self, token):
        """django-otp's interface: consume `token` if it is an unused code of this set."""
        return (
            self.codes.filter(digest=recovery_code_digest(token), used_at__isnull=True).update(used_at=timezone.now())
            == 1
        )


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "digest"], name="mfa_recovery_code_unique")]

    def __str__(self):
        return f"recovery code of {self.device.user} ({'used' if self.used_at else 'unused'})"


class NewDeviceConfirmation(models.Model):
    """A sign-in by password and code from a browser the account has not used, waiting for the mailed link.

    Keeps the SHA-256 of the link's random token, never the token. Claimed once
    (`used_at`), by one conditional UPDATE, so two clicks at once cannot both sign in.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d %H:%M}"
