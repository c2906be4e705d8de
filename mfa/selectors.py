"""Reads about a user's second factors that other apps may call."""

from django.db import connection
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
    user_has_two_factor, written as one statement for the hot upload path (the
    ORM's Exists annotations cost more to compile than the query takes to run).
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False, False
    quote = connection.ops.quote_name

    def exists(model, **true_fields):
        meta = model._meta
        owner = quote(meta.get_field("user").column)
        conditions = " AND ".join(f"{quote(meta.get_field(name).column)} = %s" for name in true_fields)
        return f"EXISTS (SELECT 1 FROM {quote(meta.db_table)} WHERE {owner} = %s AND {conditions})", [
            user.pk,
            *true_fields.values(),
        ]

    parts = [
        exists(Email, primary=True, verified=True),
        exists(TOTPDevice, confirmed=True),
        exists(WebAuthnCredential, confirmed=True),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(sql for sql, _ in parts), [p for _, params in parts for p in params])
        email, app, key = cursor.fetchone()
    return bool(email), bool(app or key)
