"""An Owner or Manager creates an empty project owned by the organisation; its first upload then goes in."""

import html

import pytest

from accounts.models import SecurityEvent
from packages.models import ProhibitedProjectName, Project, ProjectRole, TeamProjectRole
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device, totp_code
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import ProjectFactory
from tests.tokens.factories import basic_auth_header, make_token
from tokens.organization import organization_token_create

PAGE = "/manage/organization/acme/projects/"


def _with_two_factor(username):
    user = UserFactory(username=username)
    user.totp_device = TOTPDeviceFactory(user=user)
    return user


def _signed_in(client, user):
    known_device(client, user)  # a browser the account has used: no new-device link
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(user.totp_device)})
    assert response.status_code == 302
    return client


@pytest.fixture
def world(db, media_root):
    owner, manager, member = _with_two_factor("olivia"), _with_two_factor("max"), _with_two_factor("mia")
    org = make_organization(owner, name="acme")
    add_member(org, manager, role="Manager")
    add_member(org, member)
    team = make_team(org, owner, name="core", members=[member])
    return {"owner": owner, "manager": manager, "member": member, "org": org, "team": team}


def _create(client, name):
    return client.post(PAGE, {"action": "create-project", "name": name})


def _upload(client, name, version, raw):
    dist = make_wheel(name, version)
    return client.post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=basic_auth_header(raw))


def test_a_manager_creates_an_empty_project_owned_by_the_organisation(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    _signed_in(client, world["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(client, "Space_Ship")
    assert response.status_code == 302 and response["Location"] == PAGE
    page = html.unescape(client.get(PAGE).content.decode())
    assert "The project Space_Ship was created; it belongs to acme and waits for its first upload." in page
    project = Project.objects.get(normalized_name="space-ship")
    assert project.organization == world["org"] and project.name == "Space_Ship"
    assert not ProjectRole.objects.filter(project=project).exists()  # the organisation's Owners own it
    created = SecurityEvent.objects.get(tag="project:create", project_name="space-ship")
    added = SecurityEvent.objects.get(tag="organization:project:add", organization_name="acme")
    assert created.user == added.user == world["manager"] and added.details["created"] is True
    told = {message.to[0] for message in mailoutbox if "Space_Ship added to acme" in message.subject}
    assert told == {"olivia@example.com", "max@example.com"}


@pytest.mark.parametrize(
    "name, message",
    [
        ("rocket", "The name 'rocket' is already taken by the project 'rocket'."),
        ("ROCKET.", "'ROCKET.' is not a valid project name"),
        ("r0cket", "The name 'r0cket' is too similar to an existing project ('rocket')."),
        ("forbidden", "The name 'forbidden' isn't allowed."),
        ("asyncio", "conflict with Python Standard Library module name"),
        ("two words", "'two words' is not a valid project name"),
    ],
)
def test_a_name_a_first_upload_could_not_use_is_refused_on_the_field(client, world, name, message):
    ProjectFactory(name="rocket")
    ProhibitedProjectName.objects.create(name="forbidden")
    _signed_in(client, world["owner"])
    before = Project.objects.count()
    response = _create(client, name)
    assert response.status_code == 400
    assert message in " ".join(response.context["create_form"].errors["name"])
    assert message in html.unescape(response.content.decode())
    assert Project.objects.count() == before
    assert not SecurityEvent.objects.filter(tag="organization:project:add").exists()


def test_the_first_upload_goes_in_with_an_organisation_token_and_with_a_team_members_personal_token(client, world):
    owner, member = world["owner"], world["member"]
    _signed_in(client, owner)
    _create(client, "spaceship")
    project = Project.objects.get(name="spaceship")
    _, org_raw = organization_token_create(actor=owner, organization=world["org"], name="ci", projects=["spaceship"])
    _, member_raw = make_token(member)
    client.logout()

    refused = _upload(client, "spaceship", "1.0", member_raw)  # no team role yet
    assert refused.status_code == 403 and "isn't allowed to upload to project 'spaceship'" in refused.content.decode()
    assert _upload(client, "spaceship", "1.0", org_raw).status_code == 200
    TeamProjectRole.objects.create(team=world["team"], project=project, role="Maintainer")
    assert _upload(client, "spaceship", "1.1", member_raw).status_code == 200
    assert sorted(project.releases.values_list("version", flat=True)) == ["1.0", "1.1"]
    stranger = _with_two_factor("otto")
    assert _upload(client, "spaceship", "1.2", make_token(stranger)[1]).status_code == 403


def test_a_project_without_releases_on_every_page(client, world):
    _signed_in(client, world["owner"])
    _create(client, "spaceship")
    assert client.get("/manage/project/spaceship/releases/").status_code == 200
    assert client.get("/manage/project/spaceship/settings/").status_code == 200
    assert client.get("/manage/project/spaceship/collaboration/").status_code == 200
    assert client.get("/manage/project/spaceship/history/").status_code == 200
    assert "spaceship" in client.get(PAGE).content.decode()
    client.logout()
    simple = client.get("/simple/spaceship/", HTTP_ACCEPT="application/vnd.pypi.simple.v1+json")
    assert simple.status_code == 200 and simple.json()["files"] == [] and simple.json()["name"] == "spaceship"
    assert client.get("/simple/spaceship/").status_code == 200
    assert client.get("/pypi/spaceship/json").status_code == 404
    project_page = client.get("/project/spaceship/")
    assert project_page.status_code == 200 and "This project has no releases." in project_page.content.decode()
    assert '/simple/spaceship/">spaceship</a>' in client.get("/simple/").content.decode()
    assert "spaceship" in client.get("/org/acme/").content.decode()
