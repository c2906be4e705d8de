"""Fixtures of trusted publishing: a local OIDC issuer trusted by the site, and publishers."""

import json

import pytest

from tests.accounts.factories import UserFactory
from tokens.publishing.models import OIDCIssuer

from .issuer import LocalIssuer

AUDIENCE = "index.test"


@pytest.fixture
def oidc_issuer(settings):
    """A LocalIssuer whose /github and /gitlab paths are the site's GitHub and GitLab issuers."""
    issuer = LocalIssuer().start()
    settings.OIDC_GITHUB_ISSUER = issuer.url("github")
    settings.OIDC_GITLAB_ISSUER = issuer.url("gitlab")
    settings.OIDC_AUDIENCE = AUDIENCE
    yield issuer
    issuer.stop()


@pytest.fixture
def forgejo(oidc_issuer, db):
    """The local issuer's /forgejo path, registered by staff."""
    return OIDCIssuer.objects.create(name="Forgejo at git.test", url=oidc_issuer.url("forgejo"))


@pytest.fixture
def registrant(db):
    return UserFactory()


def mint(client, raw_jwt):
    """POST /_/oidc/mint-token as a CI job does; returns (status, JSON body)."""
    response = client.post("/_/oidc/mint-token", data=json.dumps({"token": raw_jwt}), content_type="application/json")
    return response.status_code, response.json()


def refusal_codes(body):
    return [error["code"] for error in body["errors"]]
