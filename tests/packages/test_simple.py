"""The simple repository API as pip and uv read it: negotiation, documents, redirects, caching."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from packages.models import Project
from packages.services import journal_record
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

JSON = "application/vnd.pypi.simple.v1+json"
V1_HTML = "application/vnd.pypi.simple.v1+html"
PIP_ACCEPT = f"{JSON}, {V1_HTML}; q=0.1, text/html; q=0.01"
METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()
    yield
    cache.clear()


class Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors, self.meta = [], {}
        self._current = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._current = dict(attrs)
            self.anchors.append(self._current)
        elif tag == "meta":
            attrs = dict(attrs)
            self.meta[attrs.get("name")] = attrs.get("content")

    def handle_data(self, data):
        if self._current is not None:
            self._current["text"] = data

    def handle_endtag(self, tag):
        if tag == "a":
            self._current = None


def parse(response):
    parser = Anchors()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def demo(db):
    """demo 1.0 (wheel with metadata, sdist without), demo 2.0 yanked, demo 3.0 with no files."""
    project = ProjectFactory(name="Demo", last_serial=7)
    old = ReleaseFactory(project=project, version="1.0", requires_python=">=3.8,<4")
    yanked = ReleaseFactory(project=project, version="2.0", yanked=True, yanked_reason="broken <build>")
    ReleaseFactory(project=project, version="3.0")
    wheel = FileFactory(release=old, metadata=METADATA)
    sdist = FileFactory(release=old, filename="demo-1.0.tar.gz", packagetype="sdist", python_version="source")
    yanked_wheel = FileFactory(release=yanked)
    return project, wheel, sdist, yanked_wheel


def test_html_lists_every_file_with_hash_requires_python_yank_and_metadata(client, demo):
    project, wheel, sdist, yanked_wheel = demo

    response = client.get("/simple/demo/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["X-PyPI-Last-Serial"] == "7"
    page = parse(response)
    assert page.meta["pypi:repository-version"] == "1.1"
    links = {a["text"]: a for a in page.anchors}
    assert set(links) == {wheel.filename, sdist.filename, yanked_wheel.filename}
    assert links[wheel.filename]["href"] == f"http://testserver/files/{wheel.path}#sha256={wheel.sha256_digest}"
    assert links[wheel.filename]["data-requires-python"] == ">=3.8,<4"
    assert links[wheel.filename]["data-core-metadata"] == f"sha256={wheel.metadata_sha256}"
    assert links[wheel.filename]["data-dist-info-metadata"] == f"sha256={wheel.metadata_sha256}"
    assert "data-core-metadata" not in links[sdist.filename]
    assert "data-yanked" not in links[wheel.filename]
    assert links[yanked_wheel.filename]["data-yanked"] == "broken <build>"
    # Escaped in the markup, not just decoded by the parser.
    assert 'data-requires-python="&gt;=3.8,&lt;4"' in response.content.decode()
    assert 'data-yanked="broken &lt;build&gt;"' in response.content.decode()


def test_json_follows_pep_691_and_700(client, demo):
    project, wheel, sdist, yanked_wheel = demo

    response = client.get("/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)

    assert response.headers["Content-Type"] == JSON
    document = json.loads(response.content)
    assert document["meta"]["api-version"] == "1.1"
    assert document["name"] == "demo"
    assert document["versions"] == ["1.0", "2.0", "3.0"]
    files = {f["filename"]: f for f in document["files"]}
    assert files[wheel.filename] == {
        "filename": wheel.filename,
        "url": f"http://testserver/files/{wheel.path}",
        "hashes": {"sha256": wheel.sha256_digest},
        "requires-python": ">=3.8,<4",
        "core-metadata": {"sha256": wheel.metadata_sha256},
        "yanked": False,
        "size": wheel.size,
        "upload-time": wheel.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", files[wheel.filename]["upload-time"])
    assert files[sdist.filename]["core-metadata"] is False
    assert files[yanked_wheel.filename]["yanked"] == "broken <build>"
    assert files[yanked_wheel.filename]["requires-python"] is None
    assert b"dist-info-metadata" not in response.content


def test_yank_without_reason_is_true_in_json_and_empty_in_html(client, db):
    FileFactory(release__project__name="quiet", release__yanked=True)

    document = json.loads(client.get("/simple/quiet/", HTTP_ACCEPT=JSON).content)
    anchor = parse(client.get("/simple/quiet/")).anchors[0]

    assert document["files"][0]["yanked"] is True
    assert anchor["data-yanked"] == ""  # present and empty


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "text/html; charset=utf-8"),
        ("", "text/html; charset=utf-8"),
        ("*/*", "text/html; charset=utf-8"),
        ("text/html", "text/html; charset=utf-8"),
        (PIP_ACCEPT, JSON),
        (JSON, JSON),
        (V1_HTML, V1_HTML),
        ("application/vnd.pypi.simple.latest+json", JSON),
        (f"{JSON};q=0.2, {V1_HTML};q=0.9", V1_HTML),
        ("text/html;q=0.5, application/*;q=0.6", V1_HTML),
        (f"{JSON}, */*;q=0", JSON),
    ],
)
def test_content_negotiation(client, demo, accept, expected):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}

    response = client.get("/simple/demo/", **headers)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected


@pytest.mark.parametrize("accept", ["application/json", "text/plain", f"{JSON};q=0, text/html;q=0"])
def test_nothing_acceptable_is_406(client, demo, accept):
    response = client.get("/simple/demo/", HTTP_ACCEPT=accept)

    assert response.status_code == 406
    assert JSON in response.content.decode()
    assert response.headers["Vary"] == "Accept"


def test_format_query_parameter_overrides_accept(client, demo):
    response = client.get("/simple/demo/", {"format": JSON}, HTTP_ACCEPT="text/html")

    assert response.headers["Content-Type"] == JSON
    assert client.get("/simple/demo/", {"format": "text/plain"}).status_code == 406


@pytest.mark.parametrize("path", ["/simple/Demo/", "/simple/demo", "/simple/DEMO", "/simple/d.e_m-o/"])
def test_other_spellings_redirect_permanently_in_one_hop(client, db, path):
    ProjectFactory(name="d-e-m-o" if "." in path else "demo")
    expected = "/simple/d-e-m-o/" if "." in path else "/simple/demo/"

    response = client.get(path)

    assert response.status_code == 301
    assert response.headers["Location"] == expected


def test_missing_project_is_404(client, db):
    response = client.get("/simple/nothing-here/")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")


def test_quarantined_project_is_absent(client, demo):
    project = demo[0]
    Project.objects.filter(pk=project.pk).update(status=Project.Status.QUARANTINED)

    assert client.get("/simple/demo/").status_code == 404
    assert "demo" not in client.get("/simple/").content.decode()


def test_index_lists_visible_projects_in_html_and_json(client, db):
    ProjectFactory(name="Alpha_Pkg", last_serial=3)
    ProjectFactory(name="beta", last_serial=5)
    ProjectFactory(name="hidden", status=Project.Status.QUARANTINED, last_serial=9)

    html = client.get("/simple/")
    document = json.loads(client.get("/simple/", HTTP_ACCEPT=PIP_ACCEPT).content)

    assert [(a["text"], a["href"]) for a in parse(html).anchors] == [
        ("Alpha_Pkg", "http://testserver/simple/alpha-pkg/"),
        ("beta", "http://testserver/simple/beta/"),
    ]
    assert parse(html).meta["pypi:repository-version"] == "1.1"
    assert html.headers["X-PyPI-Last-Serial"] == "5"
    assert document == {"meta": {"api-version": "1.1"}, "projects": [{"name": "Alpha_Pkg"}, {"name": "beta"}]}


def test_etag_answers_304_until_the_project_changes(client, demo):
    project = demo[0]
    first = client.get("/simple/demo/")
    etag = first.headers["ETag"]
    assert "max-age=" in first.headers["Cache-Control"]

    unchanged = client.get("/simple/demo/", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == etag
    assert unchanged.headers["Vary"] == "Accept"

    new = FileFactory(release__project=project, release__version="4.0")
    journal_record(project=project, action="add file")
    changed = client.get("/simple/demo/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert new.filename in changed.content.decode()


def test_each_representation_has_its_own_etag(client, demo):
    html = client.get("/simple/demo/")
    as_json = client.get("/simple/demo/", HTTP_ACCEPT=JSON, HTTP_IF_NONE_MATCH=html.headers["ETag"])

    assert as_json.status_code == 200
    assert as_json.headers["ETag"] != html.headers["ETag"]


def test_page_is_rendered_once_per_change(client, demo):
    project = demo[0]
    before = client.get("/simple/demo/").content
    # A row written without recording the change is not seen: the page is not rebuilt.
    sneaky = FileFactory(release__project=project, release__version="5.0")

    assert client.get("/simple/demo/").content == before

    journal_record(project=project, action="add file")
    assert sneaky.filename in client.get("/simple/demo/").content.decode()


def test_a_change_to_one_project_leaves_the_others_and_the_index_cached(client, demo, db):
    other = FileFactory(release__project__name="other").release.project
    index = client.get("/simple/")
    page = client.get("/simple/other/")

    journal_record(project=demo[0], action="add file")

    assert client.get("/simple/other/", HTTP_IF_NONE_MATCH=page.headers["ETag"]).status_code == 304
    assert client.get("/simple/", HTTP_IF_NONE_MATCH=index.headers["ETag"]).status_code == 304
    # The ETag names the document's bytes: a change that alters the list gives a new one.
    other.status = other.Status.QUARANTINED
    other.save()
    journal_record(project=other, action="quarantine enter", index=True)
    assert client.get("/simple/", HTTP_IF_NONE_MATCH=index.headers["ETag"]).status_code == 200


def _project_with_files(name, count):
    project = ProjectFactory(name=name, last_serial=count)
    for i in range(count):
        FileFactory(release__project=project, release__version=f"1.{i}")
    return project


@pytest.mark.parametrize("accept", [None, PIP_ACCEPT])
def test_query_count_does_not_grow_with_files(client, db, django_assert_max_num_queries, accept):
    """10 or 200 files: the same bounded number of queries, cold and warm."""
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    _project_with_files("small", 10)
    _project_with_files("large", 200)

    for name in ("small", "large"):
        # Cold: project, files, versions, and the database cache's reads and writes
        # (generation, document: about ten of its own).
        with django_assert_max_num_queries(15):
            cold = client.get(f"/simple/{name}/", **headers)
        # Warm: the project's generation in the (database) cache only.
        with django_assert_max_num_queries(1):
            warm = client.get(f"/simple/{name}/", **headers)
        assert cold.content == warm.content
        assert cold.content.count(b".whl") >= (10 if name == "small" else 200)


def test_post_is_refused(client, demo):
    assert client.post("/simple/demo/").status_code == 405


def test_a_cached_page_costs_no_database_query_with_a_shared_memory_cache(
    client, demo, settings, django_assert_num_queries
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    first = client.get("/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)
    client.get("/simple/")

    with django_assert_num_queries(0):
        again = client.get("/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)
        not_modified = client.get("/simple/demo/", HTTP_IF_NONE_MATCH=first.headers["ETag"], HTTP_ACCEPT=PIP_ACCEPT)
        index = client.get("/simple/")
    assert again.content == first.content
    assert not_modified.status_code == 304
    assert b"demo" in index.content
