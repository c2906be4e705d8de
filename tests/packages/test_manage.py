"""Owners' management pages: project list, yank/un-yank, remove file/release, security history."""

import pytest
from django.core.files.storage import default_storage

from accounts.models import SecurityEvent
from packages.models import File, FilenameRegistry, JournalEntry, ProjectRole, Release
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory


@pytest.fixture
def project(two_factor_user):
    project = ProjectFactory(name="Demo")
    ProjectRole.objects.create(project=project, user=two_factor_user, role="Owner")
    return project


@pytest.fixture
def release(project, media_root):
    release = ReleaseFactory(project=project, version="1.0")
    FileFactory(release=release, stored=True, metadata=b"Metadata-Version: 2.1\n")
    return release


def test_projects_page_lists_my_projects_with_role(two_factor_client, project):
    other = ProjectFactory(name="not-mine")
    response = two_factor_client.get("/manage/projects/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Demo" in text and "Owner" in text
    assert other.name not in text


def test_manage_pages_need_two_factor(logged_in_client, db):
    response = logged_in_client.get("/manage/projects/")
    assert response.status_code == 302 and "two-factor" in response["Location"]


def test_yank_with_reason_then_unyank(two_factor_client, release, two_factor_user):
    url = "/manage/project/demo/releases/"
    response = two_factor_client.post(url, {"action": "yank", "release": release.pk, "reason": "broken on 3.12"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.yanked and release.yanked_reason == "broken on 3.12"
    page = two_factor_client.get(url).content.decode()
    assert "yanked: broken on 3.12" in page
    event = SecurityEvent.objects.get(tag="project:release:yank")
    assert event.project_name == "demo" and event.user == two_factor_user
    assert event.details == {"version": "1.0", "reason": "broken on 3.12"}
    serial = release.project.__class__.objects.get(pk=release.project.pk).last_serial
    assert serial == JournalEntry.objects.latest("id").id

    two_factor_client.post(url, {"action": "unyank", "release": release.pk})
    release.refresh_from_db()
    assert not release.yanked and release.yanked_reason == ""
    assert SecurityEvent.objects.filter(tag="project:release:unyank").exists()


def test_remove_file_needs_the_filename_typed(two_factor_client, release, media_root, django_capture_on_commit_callbacks):
    file = release.files.get()
    url = "/manage/project/demo/releases/"
    response = two_factor_client.post(url, {"action": "remove-file", "file": file.pk, "confirm": "wrong"})
    assert response.status_code == 400
    assert f"Type the filename &#x27;{file.filename}&#x27; exactly" in response.content.decode()
    assert File.objects.filter(pk=file.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(url, {"action": "remove-file", "file": file.pk, "confirm": file.filename})
    assert response.status_code == 302
    assert not File.objects.filter(pk=file.pk).exists()
    # The bytes and the METADATA are gone from storage; the name stays used forever.
    assert not default_storage.exists(file.path)
    assert not default_storage.exists(file.path + ".metadata")
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    assert SecurityEvent.objects.get(tag="file:remove").details["filename"] == file.filename


def test_remove_release(two_factor_client, release, django_capture_on_commit_callbacks):
    file = release.files.get()
    url = "/manage/project/demo/releases/"
    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(url, {"action": "remove-release", "release": release.pk, "confirm": "1.0"})
    assert response.status_code == 302
    assert not Release.objects.filter(pk=release.pk).exists()
    assert not default_storage.exists(file.path)
    assert SecurityEvent.objects.get(tag="project:release:remove").details["version"] == "1.0"


def test_maintainer_cannot_manage_releases(two_factor_client, two_factor_user, media_root):
    project = ProjectFactory(name="theirs")
    ProjectRole.objects.create(project=project, user=two_factor_user, role="Maintainer")
    release = ReleaseFactory(project=project)
    response = two_factor_client.post(
        "/manage/project/theirs/releases/", {"action": "yank", "release": release.pk, "reason": ""}
    )
    assert response.status_code == 403
    release.refresh_from_db()
    assert not release.yanked


def test_stranger_gets_404(two_factor_client, media_root):
    ProjectFactory(name="elsewhere")
    assert two_factor_client.get("/manage/project/elsewhere/releases/").status_code == 404
    assert two_factor_client.get("/manage/project/elsewhere/history/").status_code == 404


def test_history_shows_project_events(two_factor_client, release, two_factor_user):
    two_factor_client.post("/manage/project/demo/releases/", {"action": "yank", "release": release.pk, "reason": "x"})
    response = two_factor_client.get("/manage/project/demo/history/")
    assert response.status_code == 200
    assert "Release yanked" in response.content.decode()


def test_unnormalized_name_redirects(two_factor_client, project):
    response = two_factor_client.get("/manage/project/DEMO/history/")
    assert response.status_code == 302 and response["Location"] == "/manage/project/demo/history/"
