"""Reads about signed-in sessions."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from ..history import device_description
from ..models import AccountSession
from . import SESSION_ROW


def live_sessions(user):
    """The rows of `user`'s sessions that have neither idled out nor outlived their lifetime."""
    now = timezone.now()
    return AccountSession.objects.filter(
        user=user,
        last_seen__gte=now - timedelta(seconds=settings.SESSION_IDLE_TIMEOUT),
        created__gte=now - timedelta(seconds=settings.SESSION_MAX_AGE),
    )


def user_sessions(request):
    """The signed-in user's sessions, newest activity first, as the account page lists them."""
    current = request.session.get(SESSION_ROW)
    return [
        {
            "id": row.pk,
            "device": device_description(row.user_agent) or gettext("Unknown device"),
            "ip_address": row.ip_address,
            "created": row.created,
            "last_seen": row.last_seen,
            "current": row.pk == current,
        }
        for row in live_sessions(request.user)
    ]


def _duration(seconds):
    if seconds % 3600 == 0:
        return ngettext("%(count)d hour", "%(count)d hours", seconds // 3600) % {"count": seconds // 3600}
    minutes = max(1, seconds // 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def session_limits_in_words():
    """The sentence that tells the owner when a session ends by itself."""
    return gettext("A session ends after %(idle)s without use, and %(lifetime)s after it began.") % {
        "idle": _duration(settings.SESSION_IDLE_TIMEOUT),
        "lifetime": _duration(settings.SESSION_MAX_AGE),
    }
