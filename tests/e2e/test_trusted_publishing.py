"""Trusted publishing against the running server, with a local OIDC issuer and real twine and uv.

The issuer (tests/tokens/publishing/issuer.py) serves discovery and JWKS on
127.0.0.1 and signs tokens with keys the test makes; the site fetches its keys
over HTTP exactly as it fetches GitHub's or GitLab's.
"""

import pytest
import requests

from accounts.models import SecurityEvent
from packages.models import File, Project, ProjectRole
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, ProjectRoleFactory
from tests.tokens.publishing.conftest import AUDIENCE, oidc_issuer  # noqa: F401 - the fixture
from tests.tokens.publishing.test_mint import REFUSALS
from tokens.models import APIToken
from tokens.publishing import services as publishing
from tokens.publishing.models import OIDCIssuer, TrustedPublisher, UsedJWTIdentifier

from . import clients
from .conftest import state
from .tls import TLSRelay, make_ca_and_certificate

pytestmark = pytest.mark.e2e
Kind = TrustedPublisher.Kind
GITHUB = {"repository_owner": "octo-org", "repository_name": "octo-app", "workflow": "release.yml", "environment": "pypi"}


def mint(server, raw_jwt):
    """The exchange a CI job makes, over real HTTP."""
    response = requests.post(f"{server}/_/oidc/mint-token", json={"token": raw_jwt}, timeout=30)
    return response.status_code, response.json()


def existing_project(name, owner):
    project = ProjectFactory(name=name)
    ProjectRoleFactory(project=project, user=owner)
    return project


@pytest.fixture
def owner(db):
    return UserFactory()  # no second factor: uploads through a publisher do not need one


@pytest.fixture
def https_server(server, tmp_path, live_server):
    """The live server behind TLS: (https URL, CA file for SSL_CERT_FILE)."""
    paths = make_ca_and_certificate(tmp_path)
    port = int(live_server.url.rsplit(":", 1)[1])
    relay = TLSRelay(target_port=port, certfile=paths["server"], keyfile=paths["server-key"]).start()
    yield f"https://localhost:{relay.port}", paths["ca"]
    relay.stop()


def test_github_workflow_mints_a_token_and_twine_uploads_with_it(server, dists, env, owner, oidc_issuer):
    existing_project("e2e-alpha", owner)
    publisher = publishing.publisher_add(user=owner, project_name="e2e-alpha", kind=Kind.GITHUB, fields=GITHUB)
    assert requests.get(f"{server}/_/oidc/audience", timeout=30).json() == {"audience": AUDIENCE}

    status, body = mint(server, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    assert status == 200, body
    result = clients.twine_upload(server, dists.alpha_1, password=body["token"], env=env)

    assert result.returncode == 0, result
    assert sorted(File.objects.values_list("filename", flat=True)) == sorted(f.name for f in dists.alpha_1)
    assert File.objects.filter(uploaded_by__isnull=True).count() == 2
    file_events = SecurityEvent.objects.filter(tag="file:add", project_name="e2e-alpha")
    assert {e.details["publisher"] for e in file_events} == {publisher.description}
    minted = SecurityEvent.objects.get(tag="project:oidc:token-minted")
    assert minted.details["workflow_ref"] == "octo-org/octo-app/.github/workflows/release.yml@refs/tags/v1.0"
    assert minted.details["sha"] and minted.details["token_id"]


def test_uv_publish_with_trusted_publishing_as_inside_github_actions(https_server, dists, env, owner, oidc_issuer):
    url, ca = https_server
    existing_project("e2e-alpha", owner)
    publishing.publisher_add(user=owner, project_name="e2e-alpha", kind=Kind.GITHUB, fields=GITHUB)
    env = {
        **env,
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{oidc_issuer.url('github')}/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": oidc_issuer.actions_request_token,
        "SSL_CERT_FILE": str(ca),
    }

    result = clients.run(
        [clients.BIN / "uv", "publish", "--no-cache", "--trusted-publishing", "always", "--publish-url", f"{url}/legacy/", *dists.alpha_2],
        env=env,
    )

    assert result.returncode == 0, result
    assert sorted(File.objects.values_list("filename", flat=True)) == sorted(f.name for f in dists.alpha_2)
    assert SecurityEvent.objects.filter(tag="project:oidc:token-minted", project_name="e2e-alpha").count() == 1
    # uv asked the issuer for a token with the audience it read from the site, over https.
    assert "/github/token" in oidc_issuer.requests


def test_pending_publisher_creates_the_project_on_its_first_publish(server, dists, env, owner, oidc_issuer):
    publishing.pending_publisher_add(user=owner, project_name="e2e-beta", kind=Kind.GITHUB, fields=GITHUB)
    status, body = mint(server, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    assert status == 200, body

    result = clients.twine_upload(server, dists.beta_1, password=body["token"], env=env)

    assert result.returncode == 0, result
    project = Project.objects.get(normalized_name="e2e-beta")
    assert list(ProjectRole.objects.filter(project=project).values_list("user", "role")) == [(owner.pk, "Owner")]
    assert TrustedPublisher.objects.get(project_name="e2e-beta").pending is False
    assert requests.get(f"{server}/simple/e2e-beta/", timeout=30).status_code == 200


def test_gitlab_pipeline_publishes(server, dists, env, owner, oidc_issuer):
    existing_project("e2e-alpha", owner)
    publishing.publisher_add(
        user=owner,
        project_name="e2e-alpha",
        kind=Kind.GITLAB,
        fields={"repository_owner": "my-group", "repository_name": "my-project", "workflow": ".gitlab-ci.yml", "environment": "pypi"},
    )
    status, body = mint(server, oidc_issuer.sign(oidc_issuer.gitlab_claims(audience=AUDIENCE)))
    assert status == 200, body
    result = clients.twine_upload(server, dists.alpha_1, password=body["token"], env=env)
    assert result.returncode == 0, result
    assert File.objects.filter(release__project__normalized_name="e2e-alpha").count() == 2


def test_staff_registered_issuer_publishes(server, dists, env, owner, oidc_issuer):
    forgejo = OIDCIssuer.objects.create(name="Forgejo at git.test", url=oidc_issuer.url("forgejo"))
    existing_project("e2e-alpha", owner)
    publishing.publisher_add(
        user=owner,
        project_name="e2e-alpha",
        kind=Kind.CUSTOM,
        fields={"issuer": forgejo, "subject": "repo:team/tool:ref:refs/tags/v1.0", "claims": "repository=team/tool"},
    )
    status, body = mint(server, oidc_issuer.sign(oidc_issuer.forgejo_claims(audience=AUDIENCE), kid="ec-1"))
    assert status == 200, body
    result = clients.uv_publish(server, dists.alpha_1, token=body["token"], env=env)
    assert result.returncode == 0, result
    assert File.objects.filter(release__project__normalized_name="e2e-alpha").count() == 2


def _everything(media_root):
    now = state(media_root)
    now.pop("package_events")
    now["tokens"] = APIToken.objects.count()
    now["used_jwts"] = UsedJWTIdentifier.objects.count()
    now["publishers"] = list(TrustedPublisher.objects.values())
    return now


@pytest.mark.parametrize("case", [*REFUSALS, "replayed jti"])
def test_each_refusal_answers_its_code_and_changes_nothing(server, media_root, owner, oidc_issuer, case):
    existing_project("octo-app", owner)
    publishing.publisher_add(user=owner, project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)
    first = oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE))
    assert mint(server, first)[0] == 200  # keys fetched, owner id pinned
    before = _everything(media_root)
    events_before = SecurityEvent.objects.count()

    code, raw = ("invalid-reuse-token", first) if case == "replayed jti" else (REFUSALS[case][0], REFUSALS[case][1](oidc_issuer))
    status, body = mint(server, raw)

    assert status == 422, body
    assert body["message"] == "Token request failed"
    assert [e["code"] for e in body["errors"]] == [code] and body["errors"][0]["description"]
    assert _everything(media_root) == before
    new_events = SecurityEvent.objects.order_by("id")[events_before:]
    assert [e.tag for e in new_events] == ["project:oidc:token-refused"]
    assert raw not in str(new_events[0].details)
