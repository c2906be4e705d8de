"""Re-authentication: the signed-in user proves who they are again before a sensitive change."""

from django.db import transaction

from accounts.events import record_event
from accounts.services import session_mark_authenticated

from ..events import EventTag
from .attempts import check_password

def reauthenticated(*, request, user, method):
    """Note that the signed-in user just proved who they are again."""
    with transaction.atomic():
        session_mark_authenticated(request)
        record_event(tag=EventTag.ACCOUNT_REAUTHENTICATE, request=request, user=user, details={"method": method})


def reauthenticate_with_password(*, request, user, password):
    check_password(request=request, user=user, password=password)
    reauthenticated(request=request, user=user, method="password")
