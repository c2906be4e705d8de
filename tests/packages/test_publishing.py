"""Uploads through trusted publishers, and the project's publishing page."""

import pytest

from accounts.models import SecurityEvent
from packages.models import File, Project, ProjectRole
from packages.services import project_remove
from tests.accounts.factories import PASSWORD, UserFactory
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import ProjectFactory, ProjectRoleFactory
from tests.tokens.factories import basic_auth_header
from tests.tokens.publishing.conftest import AUDIENCE, mint, oidc_issuer  # noqa: F401 - the fixture
from tokens.publishing import services as publishing
from tokens.publishing.models import TrustedPublisher

Kind = TrustedPublisher.Kind
GITHUB = {"repository_owner": "octo-org", "repository_name": "octo-app", "workflow": "release.yml", "environment": "pypi"}


def minted(client, oidc_issuer, **claims):
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE, **claims)))
    assert status == 200, body
    return basic_auth_header(body["token"])


def upload(client, dist, auth):
    return client.post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=auth)


@pytest.fixture
def owner(db):
    return UserFactory()  # no 2FA: a publisher's uploads do not need the person's


@pytest.fixture
def project(owner):
    project = ProjectFactory(name="octo-app")
    ProjectRoleFactory(project=project, user=owner)
    return project


def test_publisher_token_uploads_without_anyones_2fa_and_history_names_the_publisher(client, oidc_issuer, owner, project, media_root):
    publisher = publishing.publisher_add(user=owner, project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)
    response = upload(client, make_wheel("octo-app", "1.0"), minted(client, oidc_issuer))

    assert response.status_code == 200, response.content
    file = File.objects.get()
    assert file.release.project == project and file.uploaded_by is None
    event = SecurityEvent.objects.get(tag="file:add")
    assert event.project_name == "octo-app" and event.user is None
    assert event.details["publisher"] == publisher.description and event.details["publisher_id"] == publisher.pk


def test_publisher_token_is_limited_to_its_project(client, oidc_issuer, owner, project, media_root):
    ProjectRoleFactory(project=ProjectFactory(name="other-app"), user=owner)
    publishing.publisher_add(user=owner, project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)
    response = upload(client, make_wheel("other-app", "1.0"), minted(client, oidc_issuer))
    assert response.status_code == 403
    assert "not valid for project: 'other-app'" in response.reason_phrase
    assert not File.objects.exists()


def test_quarantined_project_refuses_its_publisher(client, oidc_issuer, owner, project, media_root):
    publishing.publisher_add(user=owner, project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.QUARANTINED)
    response = upload(client, make_wheel("octo-app", "1.0"), minted(client, oidc_issuer))
    assert response.status_code == 403 and not File.objects.exists()


def test_pending_publisher_first_upload_creates_the_project_with_its_registrant_as_owner(client, oidc_issuer, owner, media_root):
    pending = publishing.pending_publisher_add(user=owner, project_name="Fresh_Tool", kind=Kind.GITHUB, fields=GITHUB)
    auth = minted(client, oidc_issuer)

    response = upload(client, make_wheel("fresh-tool", "1.0"), auth)

    assert response.status_code == 200, response.content
    project = Project.objects.get(normalized_name="fresh-tool")
    assert list(project.roles.values_list("user", "role")) == [(owner.pk, ProjectRole.Role.OWNER)]
    pending.refresh_from_db()
    assert not pending.pending  # now an ordinary publisher of the project
    tags = list(SecurityEvent.objects.filter(project_name="fresh-tool").values_list("tag", flat=True))
    assert {"project:create", "project:oidc:publisher-added", "file:add"} <= set(tags)
    # The same token keeps working for the next file, and the publisher mints again later.
    assert upload(client, make_wheel("fresh-tool", "1.1"), auth).status_code == 200
    assert upload(client, make_wheel("fresh-tool", "1.2"), minted(client, oidc_issuer)).status_code == 200


def test_pending_publisher_cannot_take_a_name_that_got_registered(client, oidc_issuer, owner, media_root):
    publishing.pending_publisher_add(user=owner, project_name="taken", kind=Kind.GITHUB, fields=GITHUB)
    auth = minted(client, oidc_issuer)
    squatter = UserFactory()
    ProjectRoleFactory(project=ProjectFactory(name="taken"), user=squatter)

    response = upload(client, make_wheel("taken", "1.0"), auth)

    assert response.status_code == 403
    assert "cannot publish: the project exists now" in response.reason_phrase
    assert not File.objects.exists() and ProjectRole.objects.get().user == squatter


def test_removing_a_project_removes_its_publishers_and_their_tokens(client, oidc_issuer, owner, project, media_root):
    publishing.publisher_add(user=owner, project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)
    auth = minted(client, oidc_issuer)
    project_remove(user=owner, project=project)

    assert not TrustedPublisher.objects.exists()
    assert SecurityEvent.objects.filter(tag="project:oidc:publisher-removed", project_name="octo-app").exists()
    response = upload(client, make_wheel("octo-app", "1.0"), auth)
    assert response.status_code == 403 and not Project.objects.exists()


# --- the project's publishing page ----------------------------------------------


@pytest.fixture
def owned(two_factor_user):
    project = ProjectFactory(name="My.Project")
    ProjectRoleFactory(project=project, user=two_factor_user)
    return project


URL = "/manage/project/my-project/publishing/"


def test_page_needs_2fa_and_owner(client, db, owned):
    user = UserFactory()
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert client.get(URL).status_code == 302  # to 2FA setup
    client.logout()


def test_maintainer_cannot_manage_publishers(two_factor_client, two_factor_user):
    project = ProjectFactory(name="theirs")
    ProjectRoleFactory(project=project, user=two_factor_user, role=ProjectRole.Role.MAINTAINER)
    assert two_factor_client.get("/manage/project/theirs/publishing/").status_code == 403


def test_owner_adds_github_and_gitlab_publishers_and_copies_the_workflow(two_factor_client, two_factor_user, owned):
    page = two_factor_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("Owner", "Repository name", "Workflow file name", "Namespace", "Top-level pipeline file path"):
        assert f">{label}" in html or f">{label}:" in html

    response = two_factor_client.post(
        URL, {"action": "add", "kind": "github", **{f"github-{k}": v for k, v in GITHUB.items()}}
    )
    assert response.status_code == 302
    response = two_factor_client.post(
        URL,
        {"action": "add", "kind": "gitlab", "gitlab-repository_owner": "grp/sub", "gitlab-repository_name": "proj", "gitlab-workflow": ".gitlab-ci.yml"},
    )
    assert response.status_code == 302
    publishers = TrustedPublisher.objects.filter(project_name="my-project", pending=False)
    assert publishers.count() == 2
    html = two_factor_client.get(URL).content.decode()
    assert "uv publish --trusted-publishing always --publish-url http://localhost:8000/legacy/" in html
    assert "id-token: write" in html and "environment: pypi" in html
    assert "id_tokens:" in html and "/_/oidc/mint-token" in html
    event = SecurityEvent.objects.filter(tag="project:oidc:publisher-added").first()
    assert event.user == two_factor_user and event.project_name == "my-project"


def test_bad_publisher_input_is_explained_and_nothing_added(two_factor_client, owned):
    response = two_factor_client.post(
        URL, {"action": "add", "kind": "github", **{f"github-{k}": v for k, v in {**GITHUB, "workflow": ".github/workflows/release.yml"}.items()}}
    )
    assert response.status_code == 400
    assert "Enter the workflow&#x27;s file name only" in response.content.decode()
    assert not TrustedPublisher.objects.exists()
    response = two_factor_client.post(URL, {"action": "add", "kind": "github", **{f"github-{k}": v for k, v in GITHUB.items()}})
    response = two_factor_client.post(URL, {"action": "add", "kind": "github", **{f"github-{k}": v for k, v in GITHUB.items()}})
    assert response.status_code == 400 and "already registered" in response.content.decode()
    assert TrustedPublisher.objects.count() == 1
    assert two_factor_client.post(URL, {"action": "add", "kind": "nonsense"}).status_code == 400
    assert two_factor_client.post(URL, {"action": "remove", "publisher": "x"}).status_code == 400


def test_owner_removes_a_publisher(two_factor_client, two_factor_user, owned):
    publisher = publishing.publisher_add(user=two_factor_user, project_name="my-project", kind=Kind.GITHUB, fields=GITHUB)
    other_project_publisher = publishing.publisher_add(
        user=UserFactory(), project_name="elsewhere", kind=Kind.GITHUB, fields=GITHUB
    )
    assert two_factor_client.post(URL, {"action": "remove", "publisher": other_project_publisher.pk}).status_code == 400
    response = two_factor_client.post(URL, {"action": "remove", "publisher": publisher.pk})
    assert response.status_code == 302
    assert list(TrustedPublisher.objects.all()) == [other_project_publisher]
    assert SecurityEvent.objects.get(tag="project:oidc:publisher-removed").project_name == "my-project"


def test_page_asks_to_reauthenticate_when_stale(two_factor_client, owned, settings):
    settings.REAUTH_MAX_AGE = -1
    response = two_factor_client.post(URL, {"action": "add", "kind": "github", **{f"github-{k}": v for k, v in GITHUB.items()}})
    assert response.status_code == 200 and b"password" in response.content.lower()
    assert not TrustedPublisher.objects.exists()
