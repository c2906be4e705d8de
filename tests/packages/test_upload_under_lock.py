"""What can change while an upload streams is checked again under the project's row lock.

The first checks run on an unlocked read (to refuse early); a role removed or a
quarantine entered after them must still stop the upload.
"""

import pytest
from django.db import IntegrityError

from packages import services
from packages.errors import InvalidUpload, UploadForbidden
from packages.models import File, Project, ProjectRole
from packages.upload.checks import archives
from tests.packages.distributions import make_wheel
from tests.packages.factories import ProjectFactory
from tests.packages.test_upload_service import upload
from tests.tokens.factories import make_token


@pytest.fixture
def project(uploader):
    project = ProjectFactory(name="demo")
    ProjectRole.objects.create(project=project, user=uploader, role="Maintainer")
    return project


def _meanwhile(monkeypatch, change):
    """Run `change` after the early checks, while the archive is read (before the lock is taken)."""
    real = archives.wheel_metadata

    def reading(*args, **kwargs):
        change()
        return real(*args, **kwargs)

    monkeypatch.setattr(archives, "wheel_metadata", reading)


def test_a_role_removed_during_the_upload_stops_it(uploader, project, media_root, monkeypatch):
    _meanwhile(monkeypatch, lambda: ProjectRole.objects.filter(user=uploader).delete())
    with pytest.raises(UploadForbidden, match=f"The user '{uploader.username}' isn't allowed to upload to project 'demo'"):
        upload(make_wheel("demo", "1.0"), user=uploader, token=make_token(uploader)[0])
    assert not File.objects.exists() and not any(media_root.rglob("*.whl"))


def test_a_quarantine_entered_during_the_upload_stops_it(uploader, project, media_root, monkeypatch):
    _meanwhile(monkeypatch, lambda: services.project_quarantine_enter(user=uploader, project=project))
    with pytest.raises(UploadForbidden, match="Project 'demo' is quarantined and does not accept uploads."):
        upload(make_wheel("demo", "1.0"), user=uploader, token=make_token(uploader)[0])
    assert not File.objects.exists()


def test_the_project_size_is_checked_again_under_the_lock(uploader, project, media_root, monkeypatch, settings):
    wheel = make_wheel("demo", "1.0")
    settings.PROJECT_SIZE_LIMIT = 10 * len(wheel.data)
    _meanwhile(monkeypatch, lambda: Project.objects.filter(pk=project.pk).update(total_size=10 * len(wheel.data) - 1))
    with pytest.raises(InvalidUpload, match="Project size too large"):
        upload(wheel, user=uploader, token=make_token(uploader)[0])
    assert not File.objects.exists()


def test_a_look_alike_project_created_during_a_first_upload_wins(uploader, media_root, monkeypatch):
    _meanwhile(monkeypatch, lambda: ProjectFactory(name="l00ka1ike"))
    with pytest.raises(InvalidUpload, match="The name 'lookalike' is too similar to an existing project \\('l00ka1ike'\\)"):
        upload(make_wheel("lookalike", "1.0"), user=uploader, token=make_token(uploader)[0])
    assert list(Project.objects.values_list("name", flat=True)) == ["l00ka1ike"]


def test_the_database_refuses_two_look_alike_projects(db):
    ProjectFactory(name="foo-bar")
    with pytest.raises(IntegrityError):
        ProjectFactory(name="F0o.Bar")
