"""What every subject of the second factors shares: the user's row lock, the mails, the verified-email rule."""

from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts.mail import send_user_mail
from accounts.models import User
from accounts.selectors import user_has_verified_primary_email

from ..errors import EmailNotVerified

METHOD_NAMES = {"totp": gettext_lazy("authenticator app"), "webauthn": gettext_lazy("security key")}


def lock_user(user):
    return User.objects.select_for_update().get(pk=user.pk)


def mail_on_commit(user, template, **context):
    transaction.on_commit(lambda: send_user_mail(user=user, template=f"mfa/mail/{template}", context=context))


def require_verified_email(user):
    if not user_has_verified_primary_email(user):
        raise EmailNotVerified()
