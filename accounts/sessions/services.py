"""Writes about signed-in sessions. Ending a session deletes its row: the middleware signs it out on its next request."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..errors import AccountError
from ..events import EventTag, client_ip, record_event
from ..history import device_description
from ..models import AccountSession
from . import SESSION_ROW
from .selectors import live_sessions

# The row's last-seen time (and address) is written at most this often: one UPDATE a minute per session.
TOUCH_EVERY = timedelta(minutes=1)


def key_digest(session_key):
    """What the row keeps of the session key: its SHA-256, from which the key cannot be recovered."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def _user_agent(request):
    return request.META.get("HTTP_USER_AGENT", "")[:512] if request is not None else ""


def session_start(*, request, user):
    """Record the session `request` has just signed in to (called by the user_logged_in signal).

    Also drops the account's rows of sessions that ended by time without another request (browser closed).
    """
    session = request.session
    if not session.session_key:
        session.save()
    digest = key_digest(session.session_key)
    AccountSession.objects.filter(user=user).exclude(pk__in=live_sessions(user).values("pk")).delete()
    AccountSession.objects.filter(pk=session.get(SESSION_ROW) or 0).delete()
    AccountSession.objects.filter(key_digest=digest).delete()
    row = AccountSession.objects.create(
        user=user, key_digest=digest, ip_address=client_ip(request), user_agent=_user_agent(request)
    )
    session[SESSION_ROW] = row.pk
    return row


def session_forget(request):
    """The session signed out (the user_logged_out signal): its row goes."""
    row_id = getattr(request, "session", {}).get(SESSION_ROW)
    if row_id:
        AccountSession.objects.filter(pk=row_id).delete()


def session_check(request):
    """Whether the signed-in session of `request` may go on: None, or why it ended ("ended", "idle", "lifetime").

    Touches the row (last seen, address, a key cycled since) at most once a
    minute; a session signed in before rows were kept gets one now.
    """
    row_id = request.session.get(SESSION_ROW)
    if row_id is None:
        session_start(request=request, user=request.user)
        return None
    row = AccountSession.objects.filter(pk=row_id, user_id=request.user.pk).first()
    if row is None:
        return "ended"
    now = timezone.now()
    if now - row.created > timedelta(seconds=settings.SESSION_MAX_AGE):
        reason = "lifetime"
    elif now - row.last_seen > timedelta(seconds=settings.SESSION_IDLE_TIMEOUT):
        reason = "idle"
    else:
        digest = key_digest(request.session.session_key)
        if row.key_digest != digest or now - row.last_seen >= TOUCH_EVERY:
            AccountSession.objects.filter(pk=row.pk).update(
                key_digest=digest, last_seen=now, ip_address=client_ip(request), user_agent=_user_agent(request)
            )
        return None
    with transaction.atomic():
        row.delete()
        record_event(tag=EventTag.ACCOUNT_SESSION_EXPIRED, request=request, user=request.user, details={"reason": reason})
    return reason


def session_described(row):
    """The device (in words) and address of a session, as its events record them."""
    return {"device": device_description(row.user_agent) or gettext("Unknown device"), "ip": row.ip_address}


@transaction.atomic
def session_end(*, request, user, session_id):
    """The owner signs out one of their sessions (this one too, if they choose it). Returns the ended row."""
    row = AccountSession.objects.select_for_update().filter(user=user, pk=session_id).first()
    if row is None:
        raise AccountError(gettext("That session is no longer signed in."))
    ended_id = row.pk
    row.delete()
    record_event(tag=EventTag.ACCOUNT_SESSION_END, request=request, user=user, details={"session_id": ended_id, **session_described(row)})
    row.pk = ended_id
    return row


def sessions_end(*, request, user, reason, keep_current=True):
    """End every session of `user` but (with `keep_current`) the one making this request.
    Call inside the change's transaction.

    Returns how many ended; the event is recorded when the owner asked, or when any ended.
    """
    rows = AccountSession.objects.filter(user=user)
    current = request.session.get(SESSION_ROW) if request is not None and hasattr(request, "session") else None
    if current and keep_current:
        rows = rows.exclude(pk=current)
    count = rows.delete()[0]
    if count or reason in ("owner", "owner_everywhere"):
        record_event(
            tag=EventTag.ACCOUNT_SESSIONS_END, request=request, user=user, details={"count": count, "reason": reason}
        )
    return count
