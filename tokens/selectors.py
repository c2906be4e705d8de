"""Reads about API tokens that views and other apps may call."""

from django.db.models import Q
from django.utils import timezone

from . import secret
from .models import APIToken


def user_tokens(user):
    """The user's tokens that are not revoked (expired ones included), newest first."""
    return APIToken.objects.filter(owner=user, revoked__isnull=True).order_by("-created", "-id")


def user_active_token(user, identifier):
    """The user's unrevoked token with this public identifier, or None."""
    return APIToken.objects.filter(owner=user, identifier=identifier, revoked__isnull=True).first()


def project_active_tokens(normalized_project_name):
    """Unrevoked, unexpired tokens whose scope names this project explicitly (not account-wide ones)."""
    now = timezone.now()
    candidates = APIToken.objects.filter(revoked__isnull=True).filter(Q(expires__isnull=True) | Q(expires__gt=now))
    # JSON containment is not portable to SQLite, and few tokens are project-scoped.
    return [t for t in candidates.filter(account_wide=False) if normalized_project_name in t.projects]


def token_find(raw):
    """The token (revoked or not) that the pasted string `raw` is, or None. For staff lookups."""
    parts = secret.parse(raw)
    if parts is None:
        return None
    token = APIToken.objects.select_related("owner").filter(identifier=parts.identifier).first()
    if token is None or secret.matches(parts, token.digest) is None:
        return None
    return token
