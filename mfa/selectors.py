"""Reads about a user's second factors that other apps may call."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import Email

from .models import RecoveryCodeDevice


def user_totp_device(user):
    """The user's confirmed authenticator-app device, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def user_webauthn_credentials(user):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def user_recovery_device(user):
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()


def user_recovery_codes_remaining(user):
    device = user_recovery_device(user)
    return device.unused_codes().count() if device else 0


def user_two_factor_method_count(user):
    """Authenticator app plus security keys; recovery codes are a fallback, not a method."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).count()
        + WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
    )


def user_has_two_factor(user):
    """True iff the user has a confirmed authenticator app or at least one security key.

    Recovery codes alone do not count. This is the one test of the mandatory
    2FA policy: management pages and the upload path both ask it.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def user_upload_standing(user):
    """(verified primary email, two-factor) of `user` in one query: what an upload asks of a person.

    The same two tests as accounts.selectors.user_has_verified_primary_email and
    user_has_two_factor, for the hot upload path.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False, False
    person = OuterRef("pk")
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            email=Exists(Email.objects.filter(user=person, primary=True, verified=True)),
            app=Exists(TOTPDevice.objects.filter(user=person, confirmed=True)),
            key=Exists(WebAuthnCredential.objects.filter(user=person, confirmed=True)),
        )
        .values_list("email", "app", "key")
        .first()
    )
    if row is None:
        return False, False
    email, app, key = row
    return bool(email), bool(app or key)
