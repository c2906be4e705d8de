"""Tokens for tests. A token's raw string exists only at creation, so these return it.

    token, raw = make_token(user)                       # account-wide
    token, raw = make_token(user, projects=["demo"])    # project-scoped
    token, raw = make_token(user, can_read=True, can_upload=False)  # read-only
    token = APITokenFactory(owner=user); token.raw      # factory_boy style

Use the raw string as HTTP Basic password with username "__token__", or
``basic_auth_header(raw)`` for Django's test client (``HTTP_AUTHORIZATION=...``).
"""

import base64
import itertools

import factory

from tests.accounts.factories import UserFactory
from tokens.models import APIToken
from tokens.services import token_create

_names = itertools.count(1)


def make_token(user=None, *, name=None, projects=None, expires=None, can_read=False, can_upload=True):
    """Create a token through the real service; returns (APIToken, raw token string)."""
    user = user or UserFactory()
    return token_create(
        user=user, name=name or f"token {next(_names)}", projects=projects, expires=expires,
        can_read=can_read, can_upload=can_upload,
    )


def basic_auth_header(raw, username="__token__"):
    return "Basic " + base64.b64encode(f"{username}:{raw}".encode()).decode()


class APITokenFactory(factory.django.DjangoModelFactory):
    """``APITokenFactory(owner=user, projects=["demo"])``; the raw string is on ``.raw``."""

    class Meta:
        model = APIToken

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"factory token {n}")
    projects = None
    expires = None

    @classmethod
    def _create(cls, model_class, *, owner, name, projects=None, expires=None, **kwargs):
        token, raw = token_create(user=owner, name=name, projects=projects, expires=expires)
        token.raw = raw
        return token
