"""The collaboration and settings pages as people use them: links from mail, buttons, clear refusals."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import SecurityEvent
from packages.collaboration import services
from packages.models import RoleInvitation
from packages.errors import InvalidUpload
from packages.models import FilenameRegistry, Project, ProjectRole
from packages.upload.service import release_file_upload
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import known_device, TOTPDeviceFactory, totp_code
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory
from tests.packages.test_upload_service import as_querydict


def sign_in(client, user):
    known_device(client, user)  # a browser the account has used: no new-device link
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(user.totp_device)})
    assert response.status_code == 302


def two_factor(username):
    user = UserFactory(username=username)
    user.totp_device = TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def owner(db):
    return two_factor("olivia")


@pytest.fixture
def invitee(db):
    return two_factor("ivan")


@pytest.fixture
def project(owner):
    project = ProjectFactory(name="Team-Lib")
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    return project


def link_path(invitation):
    return services.invitation_link(invitation).split("localhost:8000", 1)[-1]


def test_owner_invites_by_email_and_invitee_accepts_from_the_mailed_link(
    client, owner, invitee, project, django_capture_on_commit_callbacks
):
    sign_in(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/manage/project/team-lib/collaboration/",
            {"action": "invite", "who": "IVAN@example.com", "role": "Maintainer"},
        )
    assert response.status_code == 302
    page = client.get("/manage/project/team-lib/collaboration/").content.decode()
    assert "Invitation sent to ivan as Maintainer" in page and "Pending invitations" in page
    invite = next(m for m in mail.outbox if m.to == ["ivan@example.com"])
    path = invite.body.split("http://localhost:8000", 1)[1].split()[0]
    assert path.startswith("/account/verify-project-role/?token=")

    client.post("/account/logout/")
    sign_in(client, invitee)
    shown = client.get(path)
    assert shown.status_code == 200 and "olivia invites you to work on" in " ".join(shown.content.decode().split())
    answered = client.post(path, {"token": path.split("token=")[1], "answer": "accept"})
    assert answered.status_code == 302 and answered["Location"] == "/manage/projects/"
    assert ProjectRole.objects.get(project=project, user=invitee).role == "Maintainer"
    assert "You now work on Team-Lib as Maintainer" in client.get("/manage/projects/").content.decode()


@pytest.mark.parametrize("case", ["expired", "reused", "tampered", "other-user", "revoked"])
def test_unusable_links_show_a_clear_page_and_change_nothing(client, owner, invitee, project, case):
    invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Owner")
    path = link_path(invitation)
    visitor = invitee
    expected = {
        "expired": "has expired",
        "reused": "already accepted",
        "tampered": "is not valid",
        "other-user": "sent to another account",
        "revoked": "was revoked",
    }[case]
    if case == "expired":
        RoleInvitation.objects.filter(pk=invitation.pk).update(expires=timezone.now() - timedelta(minutes=1))
    elif case == "reused":
        services.invitation_accept(user=invitee, invitation=invitation)
    elif case == "tampered":
        path = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    elif case == "other-user":
        visitor = two_factor("mallory")
    elif case == "revoked":
        services.invitation_revoke(actor=owner, invitation=invitation)
    roles_before = sorted(ProjectRole.objects.values_list("user__username", "role"))
    status_before = RoleInvitation.objects.get().status
    sign_in(client, visitor)
    token = path.split("token=")[1]
    for response in (client.get(path), client.post(path, {"token": token, "answer": "accept"})):
        assert response.status_code == 400
        text = response.content.decode()
        assert "This invitation link cannot be used" in text and expected in text and "Nothing was changed" in text
    assert sorted(ProjectRole.objects.values_list("user__username", "role")) == roles_before
    assert RoleInvitation.objects.get().status == status_before


def test_invitations_are_answered_from_the_projects_page(client, owner, invitee, project):
    invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    sign_in(client, invitee)
    page = client.get("/manage/projects/").content.decode()
    assert "Invitations waiting for you" in page and "Team-Lib" in page
    response = client.post(f"/manage/projects/invitations/{invitation.pk}/", {"answer": "decline"})
    assert response.status_code == 302
    assert RoleInvitation.objects.get().status == "declined"
    assert not ProjectRole.objects.filter(user=invitee).exists()
    # Someone else's invitation is not there for them.
    other = services.invitation_create(actor=owner, project=project, invitee=UserFactory(), role="Owner")
    assert client.post(f"/manage/projects/invitations/{other.pk}/", {"answer": "accept"}).status_code == 404


def test_invitations_count_before_the_lookup_that_tells_whether_an_account_exists(
    client, owner, invitee, project, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.INVITATION_RATE_LIMIT = 1
    sign_in(client, owner)
    page = "/manage/project/team-lib/collaboration/"
    first = client.post(page, {"action": "invite", "who": "nobody-here", "role": "Owner"})
    assert "No account has the username" in first.content.decode()  # answered, and counted

    with CaptureQueriesContext(connection) as queries:
        unknown = client.post(page, {"action": "invite", "who": "still-nobody", "role": "Owner"})
    known = client.post(page, {"action": "invite", "who": "IVAN@example.com", "role": "Owner"})

    for response in (unknown, known):
        assert response.status_code == 400
        assert "You have sent 1 invitation today, the most a day; try again in" in response.content.decode()
    assert "still-nobody" not in " ".join(query["sql"] for query in queries)
    assert not RoleInvitation.objects.exists()


def test_unknown_person_and_last_owner_refusals_are_shown(client, owner, project):
    sign_in(client, owner)
    response = client.post(
        "/manage/project/team-lib/collaboration/", {"action": "invite", "who": "nobody-here", "role": "Owner"}
    )
    assert response.status_code == 400
    assert "No account has the username or primary email address &#x27;nobody-here&#x27;" in response.content.decode()
    response = client.post("/manage/project/team-lib/collaboration/", {"action": "remove", "user": owner.pk})
    assert response.status_code == 400 and "olivia is the last Owner of Team-Lib" in response.content.decode()
    assert ProjectRole.objects.filter(project=project, user=owner, role="Owner").exists()


def test_archived_project_refuses_uploads_shows_a_banner_and_stays_installable(client, owner, project, media_root):
    release = ReleaseFactory(project=project, version="1.0")
    FileFactory(release=release, stored=True)
    sign_in(client, owner)
    assert client.post("/manage/project/team-lib/settings/", {"action": "archive"}).status_code == 302
    project.refresh_from_db()
    assert project.status == "archived"
    assert SecurityEvent.objects.filter(tag="project:archive", project_name="team-lib", user=owner).exists()
    assert "This project is archived" in client.get("/project/team-lib/").content.decode()
    assert client.get("/simple/team-lib/").status_code == 200
    wheel = make_wheel("Team-Lib", "2.0")
    with pytest.raises(InvalidUpload, match="Project 'Team-Lib' is archived and does not accept uploads."):
        release_file_upload(user=owner, data=as_querydict(upload_form(wheel)), content=wheel.upload())
    assert client.post("/manage/project/team-lib/settings/", {"action": "unarchive"}).status_code == 302
    assert Project.objects.get(pk=project.pk).status == "active"
    assert SecurityEvent.objects.filter(tag="project:unarchive").exists()


def test_deleting_mails_every_collaborator_burns_filenames_and_frees_the_name(
    client, owner, project, media_root, django_capture_on_commit_callbacks
):
    maintainer = UserFactory(username="mia")
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")
    file = FileFactory(release=ReleaseFactory(project=project, version="1.0"), stored=True)
    sign_in(client, owner)
    wrong = client.post("/manage/project/team-lib/settings/", {"action": "delete", "confirm": "team-lib"})
    assert wrong.status_code == 400 and "Type the project name" in wrong.content.decode()
    assert Project.objects.filter(pk=project.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/project/team-lib/settings/", {"action": "delete", "confirm": "Team-Lib"})
    assert response.status_code == 302 and response["Location"] == "/manage/projects/"
    assert not Project.objects.filter(normalized_name="team-lib").exists()
    assert {m.to[0] for m in mail.outbox if "deleted" in m.subject} == {"olivia@example.com", "mia@example.com"}
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    assert SecurityEvent.objects.filter(tag="project:remove", project_name="team-lib", user=owner).exists()
    # The name is free: anyone may create it again.
    assert ProjectFactory(name="Team-Lib").normalized_name == "team-lib"


def test_history_is_paginated_fifty_a_page_and_names_who_acted(client, owner, project):
    for number in range(60):
        SecurityEvent.objects.create(tag="project:release:add", project_name="team-lib", user=owner, details={"n": number})
    sign_in(client, owner)
    first = client.get("/manage/project/team-lib/history/").content.decode()
    assert first.count("<tr>") - 1 == 50 and "Page 1 of 2" in first and "Older events" in first
    second = client.get("/manage/project/team-lib/history/?page=2").content.decode()
    assert second.count("<tr>") - 1 == 10 and "Newer events" in second
    assert "olivia" in first


def test_project_page_shows_maintainers_with_initials_and_owner_links(client, owner, project):
    owner.name = "Olivia Owens"
    owner.save()
    anonymous = client.get("/project/team-lib/").content.decode()
    assert ">OO</span>" in anonymous and "Security history" not in anonymous
    assert "gravatar" not in anonymous.lower()
    sign_in(client, owner)
    page = client.get("/project/team-lib/").content.decode()
    assert "/manage/project/team-lib/history/" in page and "You are Owner of this project" in page


def test_role_names_on_the_pages_are_in_the_readers_language(client, owner, invitee, project):
    services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    sign_in(client, owner)

    yours = client.get("/manage/projects/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    team = client.get("/manage/project/team-lib/collaboration/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert ">Propietario</td>" in yours  # your own role on the project
    assert ">Propietario</td>" in team  # the collaborators' table
    assert ">Mantenedor</td>" in team  # the pending invitation's role
