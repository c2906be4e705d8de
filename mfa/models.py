"""Recovery codes, as a django-otp device so that a login with one marks the session verified.

Codes are random (64 bits each) and stored only through a slow, salted hash:
Django's Argon2 hasher (at the cost mfa.hashers sets) over the code's SHA-256 digest. The
digest comes first because codes were once stored as that digest alone; those
rows were wrapped in the slow hash where they lay (migration 0002), so codes
handed out before still work. A stored hash cannot be looked up, so a code is
checked against each of the set's (at most RECOVERY_CODE_COUNT) hashes, after the
per-account attempt limit has been counted.
"""

import hashlib
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone
from django_otp.models import Device

from .hashers import RecoveryCodeHasher

RECOVERY_CODE_COUNT = 8


def normalize_recovery_code(code):
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def recovery_code_digest(code):
    return hashlib.sha256(normalize_recovery_code(code).encode()).hexdigest()


def recovery_code_hash(code):
    """What is stored for `code`: a salted Argon2 hash of its digest."""
    return make_password(recovery_code_digest(code), hasher=RecoveryCodeHasher())


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

    def code_matching(self, code, *, unused_only=False):
        """The stored RecoveryCode that `code` is (used or not, unless `unused_only`), or None."""
        digest = recovery_code_digest(code)
        rows = self.unused_codes() if unused_only else self.codes.all()
        return next((row for row in rows if check_password(digest, row.code_hash)), None)

    def verify_token(self, token):
        """django-otp's interface: consume `token` if it is an unused code of this set."""
        row = self.code_matching(token, unused_only=True)
        return row is not None and self.codes.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()) == 1


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=255)
    used_at = models.DateTimeField(null=True, blank=True)

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
