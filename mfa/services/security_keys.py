"""Security keys and passkeys (WebAuthn): labelled, added inside the registration's transaction, removed on confirmation."""

from django.db import transaction
from django_otp_webauthn.models import WebAuthnCredential
from django.utils.translation import gettext

from accounts.events import record_event

from .. import selectors
from ..errors import TwoFactorError
from ..events import EventTag
from ._common import METHOD_NAMES, lock_user, mail_on_commit, method_removed, require_verified_email
from .attempts import refuse_last_method

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
    lock_user(user)
    label = webauthn_label_check(user=user, label=label)
    credential.name = label
    credential.save(update_fields=["name"])
    record_event(
        tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_ADDED,
        request=request,
        user=user,
        details={"method": "webauthn", "label": label},
    )
    mail_on_commit(user, "method_added", method=METHOD_NAMES["webauthn"], label=label)
    return credential


def webauthn_credential_remove(*, request, user, credential_id, label_confirmation):
    """Remove one of the user's keys; the user types its label to confirm."""
    with transaction.atomic():
        lock_user(user)
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
            method_removed(request=request, user=user, method="webauthn", label=label)
    if last:
        refuse_last_method(request=request, user=user, method="webauthn")
    return label
