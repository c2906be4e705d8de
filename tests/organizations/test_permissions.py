"""Who may do what on an organisation's management pages: every action × every kind of visitor.

Each refusal answers with a clear message and changes nothing; each success records its event.
"""

import pytest

from accounts.models import SecurityEvent
from organizations.models import Organization, OrganizationInvitation, OrganizationRole, Team, TeamMember
from packages.models import Project, TeamProjectRole
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device, totp_code
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.factories import ProjectFactory
from tokens.models import APIToken
from tokens.organization import organization_token_create

NAME = "acme"


def _with_two_factor(**kwargs):
    user = UserFactory(**kwargs)
    user.totp_device = TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def world(db):
    owner = _with_two_factor(username="owner")
    org = make_organization(owner, name=NAME)
    manager = _with_two_factor(username="manager")
    member = _with_two_factor(username="member")
    other = UserFactory(username="other")
    add_member(org, manager, role="Manager")
    add_member(org, member)
    add_member(org, other)
    team = make_team(org, owner, name="core", members=[other])
    project = ProjectFactory(name="rocket", organization=org)
    invitee = UserFactory(username="newcomer")
    invitation = OrganizationInvitation.objects.create(
        organization=org, invitee=invitee, inviter=owner, role="Member", expires="2999-01-01T00:00:00Z"
    )
    token, _ = organization_token_create(actor=owner, organization=org, name="ci")
    return {
        "org": org,
        "owner": owner,
        "manager": manager,
        "member": member,
        "other": other,
        "team": team,
        "project": project,
        "invitation": invitation,
        "token": token,
        "stranger": _with_two_factor(username="stranger"),
        "staff": _with_two_factor(username="staffer", is_staff=True),
    }


def _sign_in(client, user):
    known_device(client, user)  # a browser the account has used: no new-device link
    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert response["Location"].startswith("/account/two-factor/")
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(user.totp_device)})
    assert response.status_code == 302


OWNER, MANAGERS, MEMBERS = ("owner",), ("owner", "manager"), ("owner", "manager", "member")

# action: (method, path under /manage/organization/acme/, form data, who may, event tag on success)
ACTIONS = {
    "people page": ("get", "people/", lambda w: {}, MEMBERS, None),
    "invite": ("post", "people/", lambda w: {"action": "invite", "who": "stranger", "role": "Member"}, OWNER, "organization:role:invite"),
    "change role": ("post", "people/", lambda w: {"action": "change-role", "user": w["other"].pk, "role": "Manager"}, OWNER, "organization:role:change"),
    "remove member": ("post", "people/", lambda w: {"action": "remove", "user": w["other"].pk}, OWNER, "organization:role:remove"),
    "revoke invitation": ("post", "people/", lambda w: {"action": "revoke-invitation", "invitation": w["invitation"].pk}, OWNER, "organization:role:invite:revoke"),
    "leave": ("post", "people/leave/", lambda w: {}, MEMBERS, "organization:role:remove"),
    "teams page": ("get", "teams/", lambda w: {}, MEMBERS, None),
    "create team": ("post", "teams/", lambda w: {"action": "create", "name": "docs"}, MANAGERS, "organization:team:create"),
    "team page": ("get", "teams/{team}/", lambda w: {}, MEMBERS, None),
    "rename team": ("post", "teams/{team}/", lambda w: {"action": "rename", "name": "core devs"}, MANAGERS, "organization:team:rename"),
    "add team member": ("post", "teams/{team}/", lambda w: {"action": "add-member", "username": "member"}, MANAGERS, "organization:team:member:add"),
    "remove team member": ("post", "teams/{team}/", lambda w: {"action": "remove-member", "user": w["other"].pk}, MANAGERS, "organization:team:member:remove"),
    "delete team": ("post", "teams/{team}/", lambda w: {"action": "delete"}, MANAGERS, "organization:team:delete"),
    "projects page": ("get", "projects/", lambda w: {}, MEMBERS, None),
    "team role on project": ("post", "projects/", lambda w: {"action": "team-role", "project": w["project"].pk, "team": w["team"].pk, "role": "Maintainer"}, MANAGERS, "organization:team:role:project"),
    "create project": ("post", "projects/", lambda w: {"action": "create-project", "name": "spaceship"}, MANAGERS, "organization:project:add"),
    "move project out": ("post", "projects/", lambda w: {"action": "transfer-out", "project": w["project"].pk, "confirm": "rocket"}, OWNER, "organization:project:remove"),
    "tokens page": ("get", "tokens/", lambda w: {}, MANAGERS, None),
    "create token": ("post", "tokens/", lambda w: {"name": "deploy", "permissions": ["upload"], "scope": "account", "expiry": "30"}, MANAGERS, "organization:api_token:added"),
    "revoke token": ("post", "tokens/{token}/revoke/", lambda w: {}, MANAGERS, "organization:api_token:removed"),
    "rotate token": ("post", "tokens/{token}/rotate/", lambda w: {}, MANAGERS, "organization:api_token:rotated"),
    "settings page": ("get", "settings/", lambda w: {}, OWNER, None),
    "change details": ("post", "settings/", lambda w: {"action": "details", "display_name": "Acme Inc.", "url": "", "description": ""}, OWNER, "organization:settings:change"),
    "security-key policy": ("post", "settings/", lambda w: {"action": "policy", "require_security_key": "on"}, OWNER, "organization:policy:change"),
    "provenance policy": ("post", "settings/", lambda w: {"action": "provenance", "provenance_required": "on"}, OWNER, "organization:policy:change"),
    "reading settings": ("post", "settings/", lambda w: {"action": "reading", "members_read_all": "on"}, OWNER, "organization:reading:change"),
    "rename organisation": ("post", "settings/", lambda w: {"action": "rename", "name": "acme-labs"}, OWNER, "organization:rename"),
    "delete organisation": ("post", "settings/", lambda w: {"action": "delete", "confirm": NAME}, OWNER, "organization:delete"),
    "history": ("get", "history/", lambda w: {}, MANAGERS, None),
}
# What an action needs beforehand (an organisation that still owns a project cannot be deleted).
PREPARE = {"delete organisation": lambda w: Project.objects.update(organization=None)}

VISITORS = ["anonymous", "stranger", "member", "manager", "owner", "staff"]


def _expected(action, visitor):
    allowed = ACTIONS[action][3]
    if visitor == "anonymous":
        return "login"
    if visitor in ("stranger", "staff"):
        return "not-found"
    if visitor == "owner" and action == "leave":
        return "last-owner"  # the only Owner
    return "ok" if visitor in allowed else "forbidden"


def _snapshot():
    return (
        sorted(OrganizationRole.objects.values_list("user__username", "role")),
        sorted(OrganizationInvitation.objects.values_list("invitee__username", "status")),
        sorted(Team.objects.values_list("name", flat=True)),
        TeamMember.objects.count(),
        TeamProjectRole.objects.count(),
        sorted(APIToken.objects.values_list("name", "revoked")),
        sorted(Project.objects.values_list("name", "organization_id")),
        list(Organization.objects.values_list("name", "display_name", "require_security_key", "provenance_required")),
        SecurityEvent.objects.exclude(tag__startswith="account:").exclude(tag="organization:api_token:used").count(),
    )


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(client, world, action, visitor):
    method, path, data, _, tag = ACTIONS[action]
    if visitor != "anonymous":
        _sign_in(client, world[visitor])
    PREPARE.get(action, lambda w: None)(world)
    before = _snapshot()
    url = f"/manage/organization/{NAME}/" + path.format(team=world["team"].pk, token=world["token"].identifier)
    response = getattr(client, method)(url, data(world))
    text = response.content.decode()
    outcome = _expected(action, visitor)

    if outcome != "ok":
        assert _snapshot() == before, "a refused request changed something"
    if outcome == "login":
        assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    elif outcome == "not-found":
        assert response.status_code == 404 and "No such organisation among yours." in text
    elif outcome == "forbidden":
        assert response.status_code == 403, text[:2000]
        assert f"Only an Owner{' or a Manager' if ACTIONS[action][3] == MANAGERS else ''} of {NAME} can" in text
    elif outcome == "last-owner":
        assert response.status_code == 302
        assert "last Owner of acme" in client.get(response["Location"]).content.decode()
    else:
        assert response.status_code in ((200,) if method == "get" else (200, 302)), text[:3000]
        if tag:
            event = SecurityEvent.objects.filter(tag=tag).order_by("-id").first()
            assert event is not None and event.user == world[visitor], (tag, event)
            assert event.details["organization"] in (NAME, "acme-labs") and event.organization_name in (NAME, "acme-labs")


@pytest.mark.parametrize("visitor", ["anonymous", "no2fa", "two-factor"])
def test_creating_an_organisation_needs_two_factor(client, db, visitor):
    if visitor != "anonymous":
        user = _with_two_factor(username="founder") if visitor == "two-factor" else UserFactory(username="founder")
        known_device(client, user)
        response = client.post("/account/login/", {"username": "founder", "password": PASSWORD})
        if visitor == "two-factor":
            client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(user.totp_device)})
    response = client.post("/manage/organizations/", {"name": "newco", "display_name": "New Co"})
    if visitor == "anonymous":
        assert response["Location"].startswith("/account/login/")
    elif visitor == "no2fa":
        assert response["Location"].startswith("/manage/account/two-factor/")
    else:
        assert response["Location"] == "/manage/organization/newco/people/"
    assert Organization.objects.filter(name="newco").exists() == (visitor == "two-factor")
