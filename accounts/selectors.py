"""Reads about accounts that other apps may call."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import Email, SecurityEvent, User

SECURITY_HISTORY_DAYS = 90


def user_by_login(login):
    """The account with this username or email address (any letter case), or None: the one login lookup."""
    login = (login or "").strip()
    if not login:
        return None
    return User.objects.filter(Q(username__iexact=login) | Q(emails__email__iexact=login)).distinct().first()


def user_by_username_or_primary_email(text):
    """The active account whose username or primary email address is `text` (any letter case), or None."""
    text = (text or "").strip()
    if not text:
        return None
    query = Q(emails__email__iexact=text, emails__primary=True) if "@" in text else Q(username__iexact=text)
    return User.objects.filter(query, is_active=True).distinct().first()


def user_has_verified_primary_email(user):
    return Email.objects.filter(user=user, primary=True, verified=True).exists()


def user_security_history(user, *, days=SECURITY_HISTORY_DAYS):
    """The user's events of the last `days` days, newest first."""
    since = timezone.now() - timedelta(days=days)
    return (
        SecurityEvent.objects.filter(Q(user=user) | Q(target_user=user), time__gte=since)
        .select_related("user")
        .order_by("-time", "-id")
    )


def project_security_history(project_name):
    """Every event recorded on the project, newest first, with who acted and whom it concerned."""
    return (
        SecurityEvent.objects.filter(project_name=project_name)
        .select_related("user", "target_user")
        .order_by("-time", "-id")
    )


def organization_security_history(organization_name, *, since=None):
    """Every event recorded on the organisation, newest first, with who acted and whom it concerned.

    `since` (the organisation's creation) leaves out the events of an earlier,
    deleted or renamed organisation that bore the same name.
    """
    events = SecurityEvent.objects.filter(organization_name=organization_name)
    if since is not None:
        events = events.filter(time__gte=since)
    return events.select_related("user", "target_user").order_by("-time", "-id")
