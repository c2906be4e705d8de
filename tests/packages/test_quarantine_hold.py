"""A quarantined project is held by staff as it is: its Owner can neither delete nor change it; staff still can."""

import pytest

from accounts.models import SecurityEvent
from packages import services
from packages.collaboration import services as collaboration
from packages.errors import NotAllowed
from packages.models import File, Project, ProjectRole, Release
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory
from tokens.publishing.models import TrustedPublisher

HELD = "Project 'Demo' is quarantined by the site's staff: it cannot be changed or deleted until they release it."


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def owner(two_factor_user):
    return two_factor_user


@pytest.fixture
def project(owner, staff, media_root):
    project = ProjectFactory(name="Demo")
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    release = ReleaseFactory(project=project, version="1.0")
    FileFactory(release=release, stored=True)
    return services.project_quarantine_enter(user=staff, project=project)


OWNER_ACTIONS = {
    "delete project": lambda owner, project: services.project_remove(user=owner, project=project),
    "remove release": lambda owner, project: services.release_remove(user=owner, release=project.releases.get()),
    "remove file": lambda owner, project: services.file_remove(
        user=owner, file=File.objects.get(release__project=project)
    ),
    "yank": lambda owner, project: services.release_yank(user=owner, release=project.releases.get()),
    "archive": lambda owner, project: services.project_archive(user=owner, project=project),
    "invite": lambda owner, project: collaboration.invitation_create(
        actor=owner, project=project, invitee=UserFactory(), role="Owner"
    ),
    "change a role": lambda owner, project: collaboration.role_change(
        actor=owner,
        project=project,
        user=ProjectRole.objects.create(project=project, user=UserFactory(), role="Maintainer").user,
        role="Owner",
    ),
}


@pytest.mark.parametrize("action", OWNER_ACTIONS)
def test_the_owner_cannot_change_or_delete_it(owner, project, action):
    before = (Project.objects.count(), Release.objects.count(), File.objects.count(), SecurityEvent.objects.count())

    with pytest.raises(NotAllowed) as refusal:
        OWNER_ACTIONS[action](owner, project)

    assert refusal.value.message == HELD
    assert (Project.objects.count(), Release.objects.count(), File.objects.count()) == before[:3]
    assert not Release.objects.filter(yanked=True).exists()
    assert Project.objects.get().status == Project.Status.QUARANTINED


def test_staff_still_can(staff, owner, project):
    services.file_remove(user=staff, file=File.objects.get(), staff=True)
    services.project_remove(user=staff, project=project, staff=True)
    assert not Project.objects.exists()


def test_once_released_the_owner_can_again(staff, owner, project):
    services.project_quarantine_exit(user=staff, project=project)
    services.project_remove(user=owner, project=project)
    assert not Project.objects.exists()


def test_the_settings_page_shows_but_refuses_deletion(two_factor_client, project):
    url = "/manage/project/demo/settings/"
    assert two_factor_client.get(url).status_code == 200

    response = two_factor_client.post(url, {"action": "delete", "confirm": "Demo"})

    assert response.status_code == 403
    assert "quarantined by the site&#x27;s staff" in response.content.decode()
    assert Project.objects.exists()


@pytest.mark.parametrize(
    "url, data",
    [
        ("/manage/project/demo/releases/", {"action": "yank", "release": "1", "reason": "x"}),
        ("/manage/project/demo/collaboration/", {"action": "invite", "username": "someone", "role": "Owner"}),
        (
            "/manage/project/demo/publishing/",
            {
                "action": "add",
                "kind": "github",
                "github-repository_owner": "octo",
                "github-repository_name": "app",
                "github-workflow": "release.yml",
            },
        ),
    ],
)
def test_the_owners_pages_refuse_every_change(two_factor_client, project, url, data):
    response = two_factor_client.post(url, data)

    assert response.status_code == 403
    assert "quarantined by the site&#x27;s staff" in response.content.decode()
    assert not TrustedPublisher.objects.exists()
    assert not Release.objects.filter(yanked=True).exists()
