"""Write services: every installer-visible change bumps the serial and records its event."""

import pytest
from django.core.files.storage import default_storage

from accounts.models import SecurityEvent
from packages import services
from packages.collaboration import selectors as collaboration
from packages.errors import InvalidAction, NotAllowed
from packages.models import File, FilenameRegistry, JournalEntry, Project, ProjectRole
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def project(owner):
    project = ProjectFactory(name="Demo")
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    return project


def serial(project):
    return Project.objects.get(pk=project.pk).last_serial


def test_project_create_makes_owner_journal_and_event(owner):
    project = services.project_create(user=owner, name="New.Thing")
    assert project.normalized_name == "new-thing"
    assert collaboration.user_is_owner(user=owner, project=project)
    assert serial(project) == JournalEntry.objects.get(project_name="new-thing", action="create").id
    assert SecurityEvent.objects.get(tag="project:create").project_name == "new-thing"


def test_each_change_gets_a_new_higher_serial(owner, project, media_root, django_capture_on_commit_callbacks):
    release = ReleaseFactory(project=project, version="1.0")
    file = FileFactory(release=release, stored=True)
    seen = [serial(project)]
    services.release_yank(user=owner, release=release, reason="bad")
    seen.append(serial(project))
    services.release_unyank(user=owner, release=release)
    seen.append(serial(project))
    services.project_quarantine_enter(user=owner, project=project)
    seen.append(serial(project))
    services.project_quarantine_exit(user=owner, project=project)
    seen.append(serial(project))
    with django_capture_on_commit_callbacks(execute=True):
        services.file_remove(user=owner, file=file)
    seen.append(serial(project))
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert not default_storage.exists(file.path)
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    tags = set(SecurityEvent.objects.filter(project_name="demo").values_list("tag", flat=True))
    assert {
        "project:release:yank",
        "project:release:unyank",
        "project:quarantine:enter",
        "project:quarantine:exit",
        "file:remove",
    } <= tags


def test_only_owners_manage_releases(owner, project):
    maintainer = UserFactory()
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")
    release = ReleaseFactory(project=project)
    with pytest.raises(NotAllowed):
        services.release_yank(user=maintainer, release=release)
    with pytest.raises(NotAllowed):
        services.release_remove(user=maintainer, release=release)
    assert collaboration.user_can_upload(user=maintainer, project=project)


def test_yanking_twice_is_refused(owner, project):
    release = ReleaseFactory(project=project)
    services.release_yank(user=owner, release=release)
    with pytest.raises(InvalidAction):
        services.release_yank(user=owner, release=release)


def test_project_remove_deletes_rows_and_files_but_keeps_filenames(
    owner, project, media_root, django_capture_on_commit_callbacks
):
    file = FileFactory(release=ReleaseFactory(project=project), stored=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.project_remove(user=owner, project=project)
    assert not Project.objects.filter(normalized_name="demo").exists()
    assert File.objects.count() == 0 and not default_storage.exists(file.path)
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    assert JournalEntry.objects.filter(project_name="demo", action="remove project").exists()
    assert SecurityEvent.objects.filter(tag="project:remove", project_name="demo").exists()


def test_release_remove_shrinks_total_size(owner, project, media_root):
    release = ReleaseFactory(project=project)
    file = FileFactory(release=release, content=b"12345")
    Project.objects.filter(pk=project.pk).update(total_size=5)
    services.release_remove(user=owner, release=release)
    assert Project.objects.get(pk=project.pk).total_size == 0
    assert not File.objects.filter(pk=file.pk).exists()
