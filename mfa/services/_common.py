"""What every subject of the second factors shares: the user's row lock, the mails, the verified-email rule."""

from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts.events import record_event
from accounts.mail import send_user_mail
from accounts.models import User
from accounts.selectors import user_has_verified_primary_email
from accounts.sessions.services import sessions_end

from ..errors import EmailNotVerified
from ..events import EventTag

METHOD_NAMES = {"totp": gettext_lazy("authenticator app"), "webauthn": gettext_lazy("security key")}


def lock_user(user):
    return User.objects.select_for_update().get(pk=user.pk)


def mail_on_commit(user, template, **context):
    transaction.on_commit(lambda: send_user_mail(user=user, template=f"mfa/mail/{template}", context=context))


def require_verified_email(user):
    if not user_has_verified_primary_email(user):
        raise EmailNotVerified()


def method_removed(*, request, user, method, label):
    """What removing a second factor does besides the delete: recorded, every other session of the user ended,
    the owner mailed (after commit)."""
    record_event(
        tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_REMOVED,
        request=request,
        user=user,
        details={"method": method, "label": label},
    )
    sessions_end(request=request, user=user, reason="two_factor_method_removed")
    mail_on_commit(user, "method_removed", method=METHOD_NAMES[method], label=label)
