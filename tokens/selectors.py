"""Reads about API tokens that views and other apps may call."""

import functools

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts import sql
from accounts.models import User
from organizations.models import Organization

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


@functools.cache
def _with_holders_sql(vendor):
    return (
        f"SELECT {sql.columns(APIToken, 't')}, {sql.columns(User, 'u')}, {sql.columns(Organization, 'o')} "
        f"FROM {sql.table(APIToken)} t "
        f"LEFT JOIN {sql.table(User)} u ON u.{sql.quote('id')} = {sql.column(APIToken, 'owner', 't')} "
        f"LEFT JOIN {sql.table(Organization)} o ON o.{sql.quote('id')} = {sql.column(APIToken, 'organization', 't')} "
        f"WHERE {sql.column(APIToken, 'identifier', 't')} = %s"
    )


def token_with_holders(identifier):
    """The token with this public identifier, its owner and its organisation read with it, or None.

    What `APIToken.objects.select_related("owner", "organization").filter(identifier=...).first()`
    gives, as one prepared statement: every upload and every read with a token starts here, and the
    ORM's compiling of that three-table select was a fifth of an upload's CPU.
    """
    with sql.cursor() as statement:
        statement.execute(_with_holders_sql(connection.vendor), [identifier])
        row = statement.fetchone()
    if row is None:
        return None
    token_width, user_width = len(APIToken._meta.concrete_fields), len(User._meta.concrete_fields)
    token = sql.instance(APIToken, row[:token_width])
    APIToken.owner.field.set_cached_value(token, sql.instance(User, row[token_width : token_width + user_width]))
    APIToken.organization.field.set_cached_value(token, sql.instance(Organization, row[token_width + user_width :]))
    return token
