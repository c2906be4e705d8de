"""Who may do what on a project's management pages: every action × every kind of visitor.

Each refusal answers its status with a clear message and changes nothing;
each success records its event.
"""

import pytest

from accounts.models import SecurityEvent
from packages.models import RoleInvitation
from packages.models import Project, ProjectRole
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import known_device, TOTPDeviceFactory, totp_code
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

NAME = "matrix"


def _with_two_factor(**kwargs):
    user = UserFactory(**kwargs)
    user.totp_device = TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def world(db, media_root):
    owner = _with_two_factor(username="owner")
    maintainer = _with_two_factor(username="maint")
    project = ProjectFactory(name="Matrix")
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")
    release = ReleaseFactory(project=project, version="1.0")
    file = FileFactory(release=release, stored=True)
    yanked = ReleaseFactory(project=project, version="0.9", yanked=True)
    invitee = UserFactory(username="newcomer")
    invitation = RoleInvitation.objects.create(
        project=project, invitee=invitee, inviter=owner, role="Maintainer", expires="2999-01-01T00:00:00Z"
    )
    return {
        "owner": owner,
        "maintainer": maintainer,
        "project": project,
        "release": release,
        "yanked": yanked,
        "file": file,
        "invitee": invitee,
        "invitation": invitation,
        "stranger": _with_two_factor(username="stranger"),
        "staff": _with_two_factor(username="staffer", is_staff=True),
        "no2fa": UserFactory(username="plain"),
    }


def _sign_in(client, user):
    known_device(client, user)  # a browser the account has used: no new-device link
    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    if hasattr(user, "totp_device"):
        assert response["Location"].startswith("/account/two-factor/")
        response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(user.totp_device)})
    assert response.status_code == 302


# action: (method, path under /manage/project/matrix/, form data from the world, event tag on success)
ACTIONS = {
    "collaboration page": ("get", "collaboration/", lambda w: {}, None),
    "invite": ("post", "collaboration/", lambda w: {"action": "invite", "who": "plain", "role": "Maintainer"}, "project:role:invite"),
    "change role": ("post", "collaboration/", lambda w: {"action": "change-role", "user": w["maintainer"].pk, "role": "Owner"}, "project:role:change"),
    "remove collaborator": ("post", "collaboration/", lambda w: {"action": "remove", "user": w["maintainer"].pk}, "project:role:remove"),
    "revoke invitation": ("post", "collaboration/", lambda w: {"action": "revoke-invitation", "invitation": w["invitation"].pk}, "project:role:invite:revoke"),
    "leave": ("post", "collaboration/leave/", lambda w: {}, "project:role:remove"),
    "settings page": ("get", "settings/", lambda w: {}, None),
    "archive": ("post", "settings/", lambda w: {"action": "archive"}, "project:archive"),
    "delete project": ("post", "settings/", lambda w: {"action": "delete", "confirm": "Matrix"}, "project:remove"),
    "releases page": ("get", "releases/", lambda w: {}, None),
    "yank": ("post", "releases/", lambda w: {"action": "yank", "release": w["release"].pk, "reason": ""}, "project:release:yank"),
    "unyank": ("post", "releases/", lambda w: {"action": "unyank", "release": w["yanked"].pk}, "project:release:unyank"),
    "remove release": ("post", "releases/", lambda w: {"action": "remove-release", "release": w["release"].pk, "confirm": "1.0"}, "project:release:remove"),
    "remove file": ("post", "releases/", lambda w: {"action": "remove-file", "file": w["file"].pk, "confirm": w["file"].filename}, "file:remove"),
    "history": ("get", "history/", lambda w: {}, None),
}

VISITORS = ["anonymous", "no2fa", "stranger", "maintainer", "owner", "staff"]

OWNER_ONLY_MESSAGE = "Only an Owner of Matrix can"


def _expected(action, visitor):
    if visitor == "anonymous":
        return "login"
    if visitor == "no2fa":
        return "two-factor"
    if visitor in ("stranger", "staff"):
        return "not-found"
    if visitor == "maintainer" and action != "leave":
        return "forbidden"
    if visitor == "owner" and action == "leave":
        return "last-owner"  # the owner here is the only Owner
    return "ok"


def _snapshot():
    return (
        sorted(ProjectRole.objects.values_list("user__username", "role")),
        list(Project.objects.values_list("status", "last_serial")),
        sorted(RoleInvitation.objects.values_list("status", flat=True)),
        SecurityEvent.objects.filter(tag__startswith="project:").count()
        + SecurityEvent.objects.filter(tag__startswith="file:").count(),
    )


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(client, world, action, visitor):
    method, path, data, tag = ACTIONS[action]
    if visitor != "anonymous":
        _sign_in(client, world[visitor])
    before = _snapshot()
    url = f"/manage/project/{NAME}/{path}"
    response = getattr(client, method)(url, data(world))
    text = response.content.decode()
    outcome = _expected(action, visitor)

    if outcome != "ok":
        assert _snapshot() == before, "a refused request changed something"
    if outcome == "login":
        assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    elif outcome == "two-factor":
        assert response.status_code == 302 and response["Location"].startswith("/manage/account/two-factor/")
    elif outcome == "not-found":
        assert response.status_code == 404 and "No such project among yours." in text
    elif outcome == "forbidden":
        assert response.status_code == 403 and OWNER_ONLY_MESSAGE in text
    elif outcome == "last-owner":
        assert response.status_code == 302
        assert "last Owner of Matrix" in client.get("/manage/projects/").content.decode()
    else:
        assert response.status_code in ((200,) if method == "get" else (302,)), text[:3000]
        if tag:
            event = SecurityEvent.objects.filter(tag=tag, project_name=NAME).order_by("-id").first()
            assert event is not None and event.user == world[visitor]
