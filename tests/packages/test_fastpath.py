"""The index's fast path: the site's WSGI application replays what Django answered, never anything stale."""

import io
import os
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import close_old_connections

from indexsite.wsgi import fastpath as application  # inside the request observer
from packages import services
from packages.index.fastpath import IndexFastPath
from tests.packages.factories import FileFactory, ReleaseFactory, UserFactory

CONTENT = bytes(range(256)) * 40
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: a request must not close the connection holding the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def site(settings):
    """A fresh fast path in front of the site's own dispatch, with a cache shared by every request."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return IndexFastPath(application.app)


@pytest.fixture
def stored(db, media_root):
    return FileFactory(release__project__name="demo", release__version="1.0", content=CONTENT, stored=True)


class Answer:
    def __init__(self, status, headers, body):
        self.status = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body


def get(app, path, **headers):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "HTTP_HOST": "localhost", "wsgi.input": io.BytesIO()}
    environ.update(headers)
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, response_headers

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return Answer(seen["status"], seen["headers"], body)


def test_a_repeated_request_is_answered_without_a_query_and_unchanged(site, stored, django_assert_num_queries):
    first = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)

    with django_assert_num_queries(0):
        again = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)

    assert first.status == again.status == 200
    assert again.body == first.body
    assert again.headers == first.headers
    assert again.headers["x-content-type-options"] == "nosniff"  # the middleware's headers are kept too
    assert stored.filename.encode() in again.body


def test_a_change_to_the_project_is_seen_by_the_next_request(site, stored):
    get(site, "/simple/demo/")
    get(site, "/simple/")

    newer = FileFactory(release=ReleaseFactory(project=stored.release.project, version="2.0"), stored=True)
    services.journal_record(project=stored.release.project, action="add 2.0", index=True)

    assert newer.filename.encode() in get(site, "/simple/demo/").body
    assert get(site, "/simple/").status == 200


def test_each_accept_header_and_host_gets_its_own_answer(site, stored, settings):
    settings.ALLOWED_HOSTS = ["localhost", "mirror.example"]
    html = get(site, "/simple/demo/")
    as_json = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)
    mirror = get(site, "/simple/demo/", HTTP_HOST="mirror.example")

    assert get(site, "/simple/demo/").body == html.body
    assert get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT).body == as_json.body
    assert as_json.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
    assert b"http://mirror.example/files/" in get(site, "/simple/demo/", HTTP_HOST="mirror.example").body
    assert b"http://localhost/files/" in get(site, "/simple/demo/").body
    assert mirror.status == 200


def test_a_host_django_refuses_is_never_replayed(site, stored):
    get(site, "/simple/demo/")

    assert get(site, "/simple/demo/", HTTP_HOST="evil.example").status == 400


def test_if_none_match_is_answered_304_without_a_body(site, stored, django_assert_num_queries):
    first = get(site, "/simple/demo/")

    with django_assert_num_queries(0):
        not_modified = get(site, "/simple/demo/", HTTP_IF_NONE_MATCH=first.headers["etag"])
        other = get(site, "/simple/demo/", HTTP_IF_NONE_MATCH='"something-else"')

    assert not_modified.status == 304
    assert not_modified.body == b""
    assert not_modified.headers["etag"] == first.headers["etag"]
    assert "content-type" not in not_modified.headers
    assert other.status == 200 and other.body == first.body


def test_files_are_replayed_from_disk_until_the_project_is_quarantined(site, stored, django_assert_num_queries):
    path = f"/files/{stored.path}"
    first = get(site, path)
    assert first.status == 200 and first.body == CONTENT

    with django_assert_num_queries(0):
        again = get(site, path)
    assert again.body == CONTENT
    assert again.headers == first.headers

    staff = UserFactory(is_staff=True, is_superuser=True)
    services.project_quarantine_enter(user=staff, project=stored.release.project)

    assert get(site, path).status == 404


def test_a_removed_file_is_gone_at_once(site, stored, django_capture_on_commit_callbacks):
    path = f"/files/{stored.path}"
    assert get(site, path).status == 200

    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.file_remove(user=owner, file=stored, staff=True)

    assert get(site, path).status == 404


def test_a_byte_range_of_a_kept_file_is_sent_from_it_as_django_would(site, stored, django_assert_num_queries):
    path = f"/files/{stored.path}"
    from_django = get(site, path, HTTP_RANGE="bytes=100-199")  # nothing kept yet
    get(site, path)

    with django_assert_num_queries(0):
        partial = get(site, path, HTTP_RANGE="bytes=100-199")
        tail = get(site, path, HTTP_RANGE="bytes=-16")
        head = get(site, path, HTTP_RANGE="bytes=0-9", REQUEST_METHOD="HEAD")

    assert from_django.status == partial.status == 206
    assert partial.body == from_django.body == CONTENT[100:200]
    assert partial.headers == from_django.headers
    assert partial.headers["content-range"] == f"bytes 100-199/{len(CONTENT)}"
    assert partial.headers["content-length"] == "100"
    assert tail.body == CONTENT[-16:] and tail.headers["content-range"] == f"bytes {len(CONTENT) - 16}-{len(CONTENT) - 1}/{len(CONTENT)}"
    assert head.status == 206 and head.body == b"" and head.headers["content-length"] == "10"


def test_ranges_django_must_answer_reach_it(site, stored, django_assert_num_queries):
    path = f"/files/{stored.path}"
    first = get(site, path)
    page = get(site, "/simple/demo/")

    unsatisfiable = get(site, path, HTTP_RANGE=f"bytes={len(CONTENT)}-")
    other_version = get(site, path, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"another-etag"')
    page_range = get(site, "/simple/demo/", HTTP_RANGE="bytes=0-9")

    assert unsatisfiable.status == 416
    assert other_version.status == 200 and other_version.body == CONTENT  # If-Range names other bytes: all of them
    assert page_range.status == 200 and page_range.body == page.body
    with django_assert_num_queries(0):  # the entries stand
        assert get(site, path).body == first.body
        assert get(site, "/simple/demo/").body == page.body


def test_head_is_answered_from_the_get_entry_with_its_headers_and_no_body(site, stored, django_assert_num_queries):
    path = f"/files/{stored.path}"
    page_head = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT, REQUEST_METHOD="HEAD")
    assert page_head.status == 200 and not site.entries.entries  # a document's HEAD has no body to keep
    first_head = get(site, path, REQUEST_METHOD="HEAD")  # Django answers; a file's answer is kept for the GET
    assert first_head.status == 200 and first_head.headers["content-length"] == str(len(CONTENT))

    with django_assert_num_queries(0):
        download = get(site, path)
    assert download.status == 200 and download.body == CONTENT and download.headers == first_head.headers
    page = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)

    with django_assert_num_queries(0):
        head = get(site, path, REQUEST_METHOD="HEAD")
        page_head = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT, REQUEST_METHOD="HEAD")

    assert head.status == 200 and head.body == b""
    assert head.headers == download.headers
    assert head.headers["content-length"] == str(len(CONTENT))
    assert page_head.status == 200 and page_head.body == b"" and page_head.headers == page.headers


def test_head_of_a_file_gone_from_disk_is_left_to_django(site, stored):
    path = f"/files/{stored.path}"
    assert get(site, path).status == 200
    os.remove(default_storage.path(stored.path))  # an operator's mistake: the row stays, the bytes are gone

    assert get(site, path, REQUEST_METHOD="HEAD").status == 404


def test_the_json_api_is_replayed_too(site, stored, django_assert_num_queries):
    first = get(site, "/pypi/demo/json")
    assert first.status == 200

    with django_assert_num_queries(0):
        again = get(site, "/pypi/demo/json")
    assert again.body == first.body
    assert again.headers["access-control-allow-origin"] == "*"


def test_pages_for_people_are_not_replayed(site, stored):
    assert get(site, "/project/demo/").status == 200
    assert not site.entries.entries


def test_memory_is_bounded(settings, stored):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    small = IndexFastPath(application.app, limit=4096)

    get(small, "/simple/demo/")
    get(small, "/simple/")
    get(small, "/pypi/demo/json")

    assert small.entries.size <= 4096


def test_random_query_strings_and_accept_headers_keep_one_entry_per_representation(site, stored):
    """Clients choose the query string and Accept without end; the key holds only what negotiation makes of them."""
    for n in range(200):
        assert get(site, "/simple/demo/", QUERY_STRING=f"cachebuster={n}", HTTP_ACCEPT=f"text/html, x/{n}").status == 200
        assert get(site, "/simple/demo/", QUERY_STRING=f"n={n}", HTTP_ACCEPT=f"{PIP_ACCEPT}, y/{n}").status == 200
        assert get(site, f"/files/{stored.path}", QUERY_STRING=f"n={n}").status == 200
    assert len(site.entries.entries) == 3
    json_by_format = get(site, "/simple/demo/", QUERY_STRING="format=application/vnd.pypi.simple.v1%2Bjson")
    assert json_by_format.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
    assert get(site, "/simple/demo/", HTTP_ACCEPT="image/png").status == 406


def test_the_budget_counts_headers_and_keys_not_only_bodies(site, db, media_root):
    """A long name is in the key and three headers (surrogate keys): all of it is booked."""
    name = "long-" + "n" * 200
    FileFactory(release__project__name=name, release__version="1.0", content=b"x", stored=True)
    assert get(site, f"/simple/{name}/").status == 200
    (entry,) = site.entries.entries.values()
    header_bytes = sum(len(header) + len(value) for header, value in entry.headers)
    assert entry.size >= len(entry.body) + header_bytes + len(f"/simple/{name}/")
    assert site.entries.size == entry.size


@pytest.fixture
def redis_cache(settings):
    """The production cache: Redis through the site's backend (the one settings picks for a redis:// CACHE_URL),
    database 13 of the machine's server, which CI has too; emptied around the test."""
    settings.CACHES = {"default": {"BACKEND": "accounts.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/13"}}
    cache.clear()
    yield
    cache.clear()


def test_with_redis_the_generation_read_directly_follows_every_change(redis_cache, stored):
    from packages.index import rendering

    site = IndexFastPath(application.app)
    first = get(site, "/simple/demo/")
    before = rendering.generation("demo")
    assert before == cache.get("packages:gen:demo")

    newer = FileFactory(release=ReleaseFactory(project=stored.release.project, version="2.0"), stored=True)
    services.journal_record(project=stored.release.project, action="add 2.0")

    assert rendering.generation("demo") == cache.get("packages:gen:demo") != before
    again = get(site, "/simple/demo/")
    assert newer.filename.encode() in again.body and again.body != first.body


def test_with_redis_a_bump_moves_only_generations_that_exist(redis_cache):
    from packages.index.fastpath import generations

    current = generations.generation("demo")  # started by its first reader
    generations.bump(["demo", "never-read"])
    assert generations.generation("demo") == current + 1
    # A name nobody has read keeps no generation: its first reader starts a fresh, random one.
    assert cache.get("packages:gen:never-read") is None


def test_documents_say_their_length_as_django_answers_them_and_as_they_are_replayed(site, stored):
    first = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)
    again = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT)
    assert first.headers["content-length"] == again.headers["content-length"] == str(len(first.body))
    assert again.body == first.body
    # A 304 describes no body of its own: no length, from the fast path (the entry is kept) or from Django.
    etag = first.headers["etag"]
    replayed = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT, HTTP_IF_NONE_MATCH=etag)
    site.entries.entries.clear()
    answered = get(site, "/simple/demo/", HTTP_ACCEPT=PIP_ACCEPT, HTTP_IF_NONE_MATCH=etag)
    assert replayed.status == answered.status == 304
    assert "content-length" not in replayed.headers and "content-length" not in answered.headers


def test_the_live_server_of_the_browser_and_client_tests_runs_the_fast_path(site_url, media_root):
    import urllib.request

    FileFactory(release__project__name="live-demo", release__version="1.0", stored=True)
    application.entries.entries.clear()

    first = urllib.request.urlopen(f"{site_url}/simple/live-demo/").read()
    again = urllib.request.urlopen(f"{site_url}/simple/live-demo/").read()

    assert again == first and b"live_demo-1.0" in first
    assert any(key[0] == "/simple/live-demo/" for key in application.entries.entries)
