"""The JSON API at /pypi/<name>/json and /pypi/<name>/<version>/json."""

import pytest
from django.core.cache import cache

from packages.models import Project
from packages.services import journal_record
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()


@pytest.fixture
def demo(db):
    project = ProjectFactory(name="Demo_Pkg", last_serial=42)
    metadata = {
        "metadata_version": "2.4",
        "name": "Demo_Pkg",
        "version": "1.0",
        "summary": "Does demos",
        "author": "Ada",
        "author_email": "ada@example.com",
        "license_expression": "MIT",
        "classifiers": ["Programming Language :: Python :: 3"],
        "requires_dist": ["other>=1"],
        "project_urls": {"Source": "https://example.com/src"},
        "keywords": ["demo", "test"],
    }
    one = ReleaseFactory(
        project=project,
        version="1.0",
        summary="Does demos",
        metadata=metadata,
        requires_python=">=3.9",
        description="Long *text*",
        description_content_type="text/markdown",
    )
    two_pre = ReleaseFactory(project=project, version="2.0rc1")
    yanked = ReleaseFactory(project=project, version="1.5", yanked=True, yanked_reason="oops")
    wheel = FileFactory(release=one)
    FileFactory(release=two_pre)
    FileFactory(release=yanked)
    return project, one, wheel


def test_project_endpoint_matches_pypi_shape(client, demo):
    project, one, wheel = demo

    response = client.get("/pypi/demo-pkg/json")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-PyPI-Last-Serial"] == "42"
    document = response.json()
    assert set(document) == {"info", "last_serial", "releases", "urls", "vulnerabilities"}
    assert document["last_serial"] == 42
    assert document["vulnerabilities"] == []
    info = document["info"]
    # The latest final, non-yanked release: not 2.0rc1, not 1.5.
    assert info["version"] == "1.0"
    assert info["name"] == "Demo_Pkg"
    assert info["summary"] == "Does demos"
    assert info["author"] == "Ada"
    assert info["license_expression"] == "MIT"
    assert info["requires_python"] == ">=3.9"
    assert info["requires_dist"] == ["other>=1"]
    assert info["classifiers"] == ["Programming Language :: Python :: 3"]
    assert info["project_urls"] == {"Source": "https://example.com/src"}
    assert info["keywords"] == "demo,test"
    assert info["description"] == "Long *text*"
    assert info["description_content_type"] == "text/markdown"
    assert info["home_page"] is None
    assert info["package_url"] == "http://testserver/project/demo-pkg/"
    assert info["release_url"] == "http://testserver/project/demo-pkg/1.0/"
    assert info["yanked"] is False
    assert list(document["releases"]) == ["1.0", "1.5", "2.0rc1"]
    assert document["releases"]["1.5"][0]["yanked"] is True
    assert document["releases"]["1.5"][0]["yanked_reason"] == "oops"
    (url,) = document["urls"]
    assert url["filename"] == wheel.filename
    assert url["url"] == f"http://testserver/files/{wheel.path}"
    assert url["digests"] == {
        "blake2b_256": wheel.blake2_256_digest,
        "md5": wheel.md5_digest,
        "sha256": wheel.sha256_digest,
    }
    assert url["packagetype"] == "bdist_wheel"
    assert url["requires_python"] == ">=3.9"
    assert url["size"] == wheel.size
    assert url["upload_time_iso_8601"].endswith("Z")


def test_release_endpoint_has_no_releases_key(client, demo):
    response = client.get("/pypi/demo-pkg/2.0rc1/json")

    assert response.status_code == 200
    document = response.json()
    assert "releases" not in document
    assert document["info"]["version"] == "2.0rc1"
    assert len(document["urls"]) == 1
    assert response.headers["X-PyPI-Last-Serial"] == "42"


def test_yanked_release_endpoint_reports_the_yank(client, demo):
    info = client.get("/pypi/demo-pkg/1.5/json").json()["info"]

    assert info["yanked"] is True
    assert info["yanked_reason"] == "oops"


def test_other_spellings_redirect(client, demo):
    assert client.get("/pypi/Demo_Pkg/json").headers["Location"] == "/pypi/demo-pkg/json"
    assert client.get("/pypi/demo-pkg/1.0.0/json").headers["Location"] == "/pypi/demo-pkg/1.0/json"


@pytest.mark.parametrize("path", ["/pypi/nope/json", "/pypi/demo-pkg/9.9/json", "/pypi/demo-pkg/not a version/json"])
def test_missing_is_404(client, demo, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")


def test_project_without_releases_is_404(client, db):
    ProjectFactory(name="empty")

    assert client.get("/pypi/empty/json").status_code == 404


def test_quarantined_is_404(client, demo):
    Project.objects.filter(pk=demo[0].pk).update(status=Project.Status.QUARANTINED)

    assert client.get("/pypi/demo-pkg/json").status_code == 404
    assert client.get("/pypi/demo-pkg/1.0/json").status_code == 404


def test_conditional_get_and_invalidation_by_serial(client, demo):
    project = demo[0]
    etag = client.get("/pypi/demo-pkg/json").headers["ETag"]

    assert client.get("/pypi/demo-pkg/json", HTTP_IF_NONE_MATCH=etag).status_code == 304

    ReleaseFactory(project=project, version="3.0")
    entry = journal_record(project=project, action="new release 3.0")
    response = client.get("/pypi/demo-pkg/json", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["info"]["version"] == "3.0"
    # The serial never moves back: the fixture's project already had a higher one than this entry.
    assert response.json()["last_serial"] == max(42, entry.id) == Project.objects.get(pk=project.pk).last_serial
