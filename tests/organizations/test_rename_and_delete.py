"""An Owner renames or deletes the organisation from its settings: the name moves or is freed, the history follows."""

import html
import time

import pytest

from accounts.models import NameClaim, SecurityEvent, User
from organizations.models import Organization, OrganizationInvitation, OrganizationRole, Team
from packages.models import Project
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device, totp_code
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import ProjectFactory
from tests.tokens.factories import basic_auth_header
from tokens.models import APIToken
from tokens.organization import organization_token_create

SETTINGS = "/manage/organization/acme/settings/"


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


def _text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def world(db, media_root):
    owner, second_owner, member = _with_two_factor("olivia"), _with_two_factor("oscar"), _with_two_factor("mia")
    org = make_organization(owner, name="acme")
    add_member(org, second_owner, role="Owner")
    add_member(org, member)
    team = make_team(org, owner, name="core", members=[member])
    OrganizationInvitation.objects.create(
        organization=org, invitee=UserFactory(username="newcomer"), inviter=owner, role="Member", expires="2999-01-01T00:00:00Z"
    )
    token, raw = organization_token_create(actor=owner, organization=org, name="ci")
    return {"owner": owner, "second_owner": second_owner, "member": member, "org": org, "team": team, "raw": raw}


def test_renaming_moves_the_name_the_pages_and_the_history_and_frees_the_old_name(client, world):
    _signed_in(client, world["owner"])
    response = client.post(SETTINGS, {"action": "rename", "name": "acme-labs"})
    assert response.status_code == 302 and response["Location"] == "/manage/organization/acme-labs/settings/"
    assert "The organisation is now called acme-labs" in _text(client.get(response["Location"]))
    assert Organization.objects.get(pk=world["org"].pk).name == "acme-labs"
    assert set(NameClaim.objects.filter(kind="organization").values_list("name", flat=True)) == {"acme-labs"}

    history = _text(client.get("/manage/organization/acme-labs/history/"))
    assert "Organisation renamed" in history and "Organisation created" in history  # the older events followed
    event = SecurityEvent.objects.get(tag="organization:rename")
    assert event.organization_name == "acme-labs" and event.user == world["owner"]
    assert event.details["old_name"] == "acme" and event.details["new_name"] == "acme-labs"
    assert client.get("/org/acme/").status_code == 404 and client.get("/org/acme-labs/").status_code == 200
    assert client.get(SETTINGS).status_code == 404

    # The old name is free: someone registers it, and the renamed organisation's history stays its own.
    client.logout()
    registered = client.post(
        "/account/register/",
        {"username": "acme", "name": "", "email": "acme@example.com", "password1": "kettle-whistle-99", "password2": "kettle-whistle-99"},
    )
    assert registered.status_code == 302 and User.objects.filter(username="acme").exists()


def test_renaming_to_a_taken_name_is_refused_on_the_field_and_changes_nothing(client, world):
    UserFactory(username="Bob")
    make_organization(world["member"], name="globex")
    _signed_in(client, world["owner"])
    for name, message in [
        ("bob", "The name bob is already taken by an account."),
        ("GLOBEX", "The name GLOBEX is already taken by an organisation."),
        ("-bad", "An organisation name may contain only letters, numbers"),
        ("acme", "The organisation is already called acme."),
    ]:
        response = client.post(SETTINGS, {"action": "rename", "name": name})
        assert response.status_code == 400
        assert message in " ".join(response.context["rename_form"].errors["name"]), name
        assert message in _text(response)
    assert Organization.objects.get(pk=world["org"].pk).name == "acme"
    assert not SecurityEvent.objects.filter(tag="organization:rename").exists()


def test_renaming_and_deleting_need_a_recent_authentication(client, world):
    _signed_in(client, world["owner"])
    session = client.session
    session["auth_time"] = int(time.time()) - 24 * 3600
    session.save()
    for data in ({"action": "rename", "name": "acme-labs"}, {"action": "delete", "confirm": "acme"}):
        response = client.post(SETTINGS, data)
        assert response.status_code == 200 and "mfa/reauthenticate.html" in [t.name for t in response.templates]
    assert Organization.objects.filter(name="acme").exists()


def test_an_organisation_that_owns_projects_cannot_be_deleted_and_says_which(client, world):
    ProjectFactory(name="rocket", organization=world["org"])
    ProjectFactory(name="comet", organization=world["org"])
    _signed_in(client, world["owner"])
    response = client.post(SETTINGS, {"action": "delete", "confirm": "acme"})
    assert response.status_code == 400
    assert (
        "acme still owns 2 projects: comet, rocket. Move them out of the organisation or delete them first; "
        "nothing was deleted." in _text(response)
    )
    wrong = client.post(SETTINGS, {"action": "delete", "confirm": "ACME"})
    assert wrong.status_code == 400 and "Type the organisation's name acme exactly to confirm" in _text(wrong)
    assert Organization.objects.filter(name="acme").exists() and Team.objects.exists() and APIToken.objects.exists()
    assert not SecurityEvent.objects.filter(tag="organization:delete").exists()


def test_deleting_removes_everything_of_the_organisation_frees_its_name_and_tells_each_owner(
    client, world, django_capture_on_commit_callbacks, mailoutbox
):
    owner, second_owner, member = world["owner"], world["second_owner"], world["member"]
    _signed_in(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETTINGS, {"action": "delete", "confirm": "acme"})
    assert response.status_code == 302 and response["Location"] == "/manage/organizations/"
    assert "The organisation acme was deleted; its name is free again." in _text(client.get(response["Location"]))
    assert not Organization.objects.exists() and not OrganizationRole.objects.exists()
    assert not Team.objects.exists() and not OrganizationInvitation.objects.exists()
    assert not APIToken.objects.filter(organization__isnull=False).exists()
    assert not NameClaim.objects.filter(name="acme").exists()
    assert {m.to[0] for m in mailoutbox if "Organisation acme deleted" in m.subject} == {
        "olivia@example.com",
        "oscar@example.com",
        "mia@example.com",
    }

    # The organisation token no longer uploads.
    dist = make_wheel("newthing", "1.0")
    upload = client.post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=basic_auth_header(world["raw"]))
    assert upload.status_code == 403 and not Project.objects.exists()

    # Each former Owner finds the deletion in their own history; a Member does not.
    events = SecurityEvent.objects.filter(tag="organization:delete")
    assert sorted(events.values_list("target_user__username", flat=True)) == ["olivia", "oscar"]
    assert all(e.user == owner and e.details["organization"] == "acme" for e in events)
    assert "Organisation deleted" in _text(client.get("/manage/account/"))
    _signed_in(client, second_owner)
    assert "Organisation deleted" in _text(client.get("/manage/account/"))

    # A new organisation may take the name, and starts with a history of its own.
    again = make_organization(member, name="acme")
    _signed_in(client, member)
    history = _text(client.get("/manage/organization/acme/history/"))
    assert "Organisation deleted" not in history and "API token created" not in history
    assert again.name == "acme"


def test_only_an_owner_renames_or_deletes(world):
    from organizations import services
    from organizations.errors import NotAllowed

    with pytest.raises(NotAllowed, match="Only an Owner of acme can rename it."):
        services.organization_rename(actor=world["member"], organization=world["org"], name="mine")
    with pytest.raises(NotAllowed, match="Only an Owner of acme can delete it."):
        services.organization_delete(actor=world["member"], organization=world["org"], confirm="acme")
    assert Organization.objects.get().name == "acme"
