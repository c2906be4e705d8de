"""Public pages: a project, one of its releases, a user's projects, and search."""

import pytest

from packages.models import Project, ProjectRole
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ProjectRoleFactory, ReleaseFactory


@pytest.fixture
def demo(db):
    owner = UserFactory(username="ada")
    project = ProjectFactory(name="Demo_Pkg")
    ProjectRoleFactory(project=project, user=owner, role=ProjectRole.Role.OWNER)
    ProjectRoleFactory(project=project, user=UserFactory(username="bob"), role=ProjectRole.Role.MAINTAINER)
    old = ReleaseFactory(
        project=project,
        version="1.0",
        summary="The first one",
        description_html="<p>Hello <strong>world</strong></p>",
        metadata={
            "name": "Demo_Pkg",
            "version": "1.0",
            "project_urls": {"Source": "https://example.com/src", "Evil": "javascript:alert(1)"},
            "classifiers": ["Topic :: Software Development"],
        },
    )
    new = ReleaseFactory(project=project, version="2.0", summary="The second one", requires_python=">=3.10")
    yanked = ReleaseFactory(project=project, version="2.1", yanked=True, yanked_reason="bad build")
    wheel = FileFactory(release=old)
    FileFactory(release=new)
    return project, old, new, yanked, wheel


def test_project_page_shows_the_latest_release(client, demo):
    response = client.get("/project/demo-pkg/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "Demo_Pkg 2.0" in page
    assert "The second one" in page
    assert "Python &gt;=3.10" in page
    assert "pip install --index-url http://localhost:8000/simple/ demo-pkg</code>" in page
    assert 'href="/user/ada/"' in page and 'href="/user/bob/"' in page
    for version in ("1.0", "2.0", "2.1"):
        assert version in page
    assert "yanked" in page


def test_release_page_shows_its_files_description_and_safe_links(client, demo):
    project, old, new, yanked, wheel = demo

    page = client.get("/project/demo-pkg/1.0/").content.decode()

    assert "Demo_Pkg 1.0" in page
    assert "This is not the latest version" in page
    assert "pip install --index-url http://localhost:8000/simple/ demo-pkg==1.0" in page
    assert "<p>Hello <strong>world</strong></p>" in page
    assert f'href="/files/{wheel.path}"' in page
    assert wheel.sha256_digest in page
    assert 'href="https://example.com/src"' in page
    assert "javascript:" not in page
    # Classifiers grouped under their first part, as PyPI's sidebar shows them.
    assert "<dt>Topic</dt><dd>Software Development</dd>" in page


def test_yanked_release_page_says_so(client, demo):
    page = client.get("/project/demo-pkg/2.1/").content.decode()

    assert "This release is yanked" in page
    assert "bad build" in page


def test_other_spellings_redirect(client, demo):
    assert client.get("/project/Demo.Pkg/").headers["Location"] == "/project/demo-pkg/"
    assert client.get("/project/demo-pkg/2.0.0/").headers["Location"] == "/project/demo-pkg/2.0/"


@pytest.mark.parametrize("path", ["/project/nope/", "/project/demo-pkg/9.0/", "/user/nobody/"])
def test_missing_pages_are_404(client, demo, path):
    assert client.get(path).status_code == 404


def test_quarantined_project_has_no_page_and_leaves_user_page(client, demo):
    Project.objects.filter(pk=demo[0].pk).update(status=Project.Status.QUARANTINED)

    assert client.get("/project/demo-pkg/").status_code == 404
    assert "Demo_Pkg" not in client.get("/user/ada/").content.decode()


def test_project_without_releases(client, db):
    ProjectFactory(name="empty")

    response = client.get("/project/empty/")

    assert response.status_code == 200
    assert "This project has no releases." in response.content.decode()


def test_user_page_lists_projects_with_summaries(client, demo):
    page = client.get("/user/ADA/", follow=True).content.decode()

    assert 'href="/project/demo-pkg/"' in page
    assert "The second one" in page


def test_search_finds_by_name_and_summary(client, demo):
    ProjectFactory(name="unrelated")

    by_name = client.get("/search/", {"q": "demo_pkg"}).content.decode()
    by_summary = client.get("/search/", {"q": "second"}).content.decode()
    nothing = client.get("/search/", {"q": "zzz"}).content.decode()

    assert 'href="/project/demo-pkg/"' in by_name and "unrelated" not in by_name
    assert 'href="/project/demo-pkg/"' in by_summary
    assert "No project matches" in nothing
    assert '<label for="search-q">Search projects</label>' in nothing


def test_home_page_has_the_search_form(client, db):
    page = client.get("/").content.decode()

    assert '<form method="get" action="/search/" role="search">' in page
    assert '<label for="search-q">Search projects</label>' in page
