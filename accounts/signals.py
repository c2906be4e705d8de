"""Events that arrive from Django itself (logout, failed login) go to the one recorder."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .events import EventTag, record_event
from .sessions.services import session_forget, session_start


@receiver(user_logged_in)
def _start_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_start(request=request, user=user)


@receiver(user_logged_out)
def _record_logout(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_forget(request)
    if user is not None:
        record_event(tag=EventTag.ACCOUNT_LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def _record_login_failure(sender, credentials, request=None, **kwargs):
    from .selectors import user_by_login

    # The attempted name is not stored: people type passwords into it.
    user = user_by_login(credentials.get("username"))
    record_event(
        tag=EventTag.ACCOUNT_LOGIN_FAILURE,
        request=request,
        user=user,
        details={"reason": "password"},
    )
