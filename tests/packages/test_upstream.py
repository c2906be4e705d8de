"""The upstream index through this one: pages, files, faults, and names that are ours never fetched."""

import hashlib
import json
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from organizations.models import NameReservation
from packages.models import UpstreamFile, UpstreamProject
from tests.accounts.factories import UserFactory
from tests.organizations.factories import make_organization
from tests.packages.factories import FileFactory
from tests.packages.test_fastpath import keep_the_test_connection  # noqa: F401 (requests through the WSGI app)
from tests.packages.upstream_server import JSON, Route, UpstreamServer

WHEEL = b"PK upstream wheel bytes " * 100


@pytest.fixture
def upstream(settings, db, media_root):
    cache.clear()
    server = UpstreamServer().start()
    settings.UPSTREAM_INDEX_URL = f"{server.base}/simple/"
    settings.UPSTREAM_FILE_HOSTS = [f"127.0.0.1:{server.port}"]
    settings.UPSTREAM_PAGE_TIMEOUT = 2.0
    settings.UPSTREAM_FILE_TIMEOUT = 2.0
    yield server
    server.stop()
    cache.clear()


def simple_json(client, name):
    response = client.get(f"/simple/{name}/", HTTP_ACCEPT=JSON)
    return response, json.loads(response.content) if response.status_code == 200 else None


def test_a_name_not_hosted_here_shows_the_upstreams_files_with_links_to_this_site(upstream):
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL}, versions=["2.0"])
    client = Client()
    response, page = simple_json(client, "requests")
    assert response.status_code == 200
    (entry,) = page["files"]
    assert entry["filename"] == "requests-2.0-py3-none-any.whl"
    assert entry["hashes"] == {"sha256": hashlib.sha256(WHEEL).hexdigest()}
    assert entry["requires-python"] == ">=3.8"
    assert entry["url"].startswith("http://testserver/files/+upstream/requests/")
    assert page["versions"] == ["2.0"]
    html = client.get("/simple/requests/").content.decode()
    assert f'#sha256={hashlib.sha256(WHEEL).hexdigest()}' in html and 'data-requires-python="&gt;=3.8"' in html
    # The copy is fresh: the upstream is asked once for both.
    assert len(upstream.requests_for("/simple/requests/")) == 1


def test_a_file_is_fetched_once_checked_and_then_served_from_storage(upstream):
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    client = Client()
    _, page = simple_json(client, "requests")
    url = page["files"][0]["url"].removeprefix("http://testserver")
    first = client.get(url)
    assert first.status_code == 200 and b"".join(first.streaming_content) == WHEEL
    again = client.get(url)
    assert b"".join(again.streaming_content) == WHEEL
    fetched = [p for _, p, _ in upstream.log if p.startswith("/files/")]
    assert len(fetched) == 1
    row = UpstreamFile.objects.get()
    assert default_storage.open(row.path).read() == WHEEL

    # The upstream gone: still installable from what was fetched.
    upstream.stop()
    UpstreamProject.objects.update(checked=timezone.now() - timedelta(days=1))
    cache.clear()
    response, page = simple_json(client, "requests")
    assert response.status_code == 200 and page["files"][0]["filename"] == "requests-2.0-py3-none-any.whl"
    assert b"".join(client.get(url).streaming_content) == WHEEL


def test_a_stale_copy_is_asked_again_conditionally(upstream):
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL}, etag='"v1"')
    client = Client()
    assert client.get("/simple/requests/").status_code == 200
    UpstreamProject.objects.update(checked=timezone.now() - timedelta(days=1))
    upstream.routes["/simple/requests/"] = lambda handler: Route(304, {"ETag": '"v1"'}, b"")
    cache.clear()
    assert b"requests-2.0-py3-none-any.whl" in client.get("/simple/requests/").content
    (_, _, headers) = upstream.requests_for("/simple/requests/")[-1]
    assert headers.get("If-None-Match") == '"v1"'


def test_an_upstream_failure_serves_the_last_copy_and_a_name_never_fetched_gets_502(upstream):
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    client = Client()
    assert client.get("/simple/requests/").status_code == 200
    upstream.routes["/simple/requests/"] = Route(500, {}, b"boom")
    upstream.routes["/simple/never/"] = Route(500, {}, b"boom")
    UpstreamProject.objects.update(checked=timezone.now() - timedelta(days=1))
    cache.clear()
    assert b"requests-2.0-py3-none-any.whl" in client.get("/simple/requests/").content
    never = client.get("/simple/never/")
    assert never.status_code == 502
    assert never.content == b"Bad Gateway: the upstream index did not give the page of 'never'; try again later.\n"


def test_a_slow_upstream_is_cut_at_the_deadline(upstream, settings):
    settings.UPSTREAM_PAGE_TIMEOUT = 0.5
    upstream.routes["/simple/slow/"] = Route(200, {"Content-Type": JSON}, b"{" + b" " * 100 + b"}", delay=0.2, chunks=20)
    started = time.monotonic()
    response = Client().get("/simple/slow/")
    assert response.status_code == 504
    assert time.monotonic() - started < 2
    assert response.content.startswith(b"Gateway Timeout:")


def test_an_upstream_404_is_a_404_here(upstream):
    response = Client().get("/simple/nothing-anywhere/")
    assert response.status_code == 404
    assert response.content == b"Not Found: no project named 'nothing-anywhere'.\n"


@pytest.mark.parametrize(
    "fault",
    ["foreign host", "metadata address", "other project", "no hash", "javascript url"],
)
def test_links_the_upstream_may_not_give_are_dropped_and_never_fetched(upstream, fault):
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    document = json.loads(upstream.routes["/simple/requests/"].body)
    bad = dict(document["files"][0], filename="requests-3.0-py3-none-any.whl")
    if fault == "foreign host":
        bad["url"] = "https://evil.example/requests-3.0-py3-none-any.whl"
    elif fault == "metadata address":
        bad["url"] = "http://169.254.169.254/latest/meta-data/requests-3.0-py3-none-any.whl"
    elif fault == "other project":
        bad["filename"] = "urllib3-9.0-py3-none-any.whl"
    elif fault == "no hash":
        bad["hashes"] = {"md5": "0" * 32}
    else:
        bad["url"] = "javascript:alert(1)"
    document["files"].append(bad)
    upstream.routes["/simple/requests/"] = Route(200, {"Content-Type": JSON}, json.dumps(document).encode())
    response, page = simple_json(Client(), "requests")
    assert [f["filename"] for f in page["files"]] == ["requests-2.0-py3-none-any.whl"]
    assert UpstreamFile.objects.count() == 1


@pytest.mark.parametrize("fault", ["wrong hash", "truncated", "oversize", "redirect to another host", "redirect loop"])
def test_a_bad_file_answer_stores_nothing_and_says_so(upstream, settings, fault):
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    path = next(p for p in upstream.routes if p.startswith("/files/"))
    if fault == "wrong hash":
        upstream.routes[path] = Route(200, {}, WHEEL[:-1] + b"X")
    elif fault == "truncated":
        upstream.routes[path] = Route(200, {}, WHEEL, truncate=True)
    elif fault == "oversize":
        settings.UPSTREAM_FILE_LIMIT = 100
    elif fault == "redirect to another host":
        upstream.routes[path] = Route(302, {"Location": "https://evil.example/x.whl"}, b"")
    else:
        upstream.routes[path] = Route(302, {"Location": path}, b"")
    client = Client()
    _, page = simple_json(client, "requests")
    response = client.get(page["files"][0]["url"].removeprefix("http://testserver"))
    assert response.status_code == 502
    assert response.content.startswith(b"Bad Gateway:")
    assert UpstreamFile.objects.get().path == ""
    assert not any((media_file for media_file in _stored_files()))


def _stored_files():
    from django.conf import settings
    from pathlib import Path

    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_an_oversize_page_is_refused(upstream, settings):
    settings.UPSTREAM_PAGE_LIMIT = 1000
    upstream.routes["/simple/huge/"] = Route(200, {"Content-Type": JSON}, b'{"files": []}' + b" " * 5000)
    assert Client().get("/simple/huge/").status_code == 502


# -- names that are ours ---------------------------------------------------------------------------------


def test_a_name_hosted_here_is_never_fetched_from_the_upstream(upstream):
    FileFactory(release__project__name="ourname", release__version="0.1")
    upstream.publish("ourname", {"ourname-99.0-py3-none-any.whl": WHEEL})
    page = Client().get("/simple/ourname/").content.decode()
    assert "ourname-0.1" in page and "99.0" not in page
    assert upstream.log == []


def test_a_private_project_of_ours_is_never_the_upstreams_either(upstream):
    project = FileFactory(release__project__name="ourname", release__version="0.1").release.project
    project.private = True
    project.save()
    upstream.publish("ourname", {"ourname-99.0-py3-none-any.whl": WHEEL})
    response = Client().get("/simple/ourname/")
    assert response.status_code == 404
    assert upstream.log == []


def test_a_reserved_prefix_is_never_fetched(upstream):
    owner = UserFactory()
    acme = make_organization(owner, name="acme")
    NameReservation.objects.create(organization=acme, name="acme-", prefix=True)
    upstream.publish("acme-internal", {"acme_internal-1.0-py3-none-any.whl": WHEEL})
    for spelling in ("acme-internal", "acme_internal", "Acme.Internal"):
        response = Client().get(f"/simple/{spelling}/", follow=True)
        assert response.status_code == 404
        assert response.content == (
            b"Not Found: 'acme-internal' is reserved on this index and is not fetched from the upstream index.\n"
        )
    assert upstream.log == []


def test_a_pending_publishers_name_is_never_fetched(upstream):
    from tokens.publishing.models import TrustedPublisher

    TrustedPublisher.objects.create(
        project_name="coming-soon", pending=True, **_publisher_fields(TrustedPublisher)
    )
    upstream.publish("coming-soon", {"coming_soon-1.0-py3-none-any.whl": WHEEL})
    assert Client().get("/simple/coming-soon/").status_code == 404
    assert upstream.log == []


def _publisher_fields(model):
    """The fields a pending GitHub publisher needs, whatever else the model asks for."""
    from tokens.publishing.models import OIDCIssuer

    issuer = OIDCIssuer.objects.first()
    fields = {}
    names = {f.name for f in model._meta.get_fields()}
    if "issuer" in names:
        fields["issuer"] = issuer
    if "identity" in names:
        fields["identity"] = {"repository": "acme/coming", "workflow": "release.yml"}
    if "added_by" in names:
        fields["added_by"] = UserFactory()
    return fields


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_first_downloads_fetch_once(settings, media_root):
    from tests.concurrency import at_once

    cache.clear()
    server = UpstreamServer().start()
    try:
        settings.UPSTREAM_INDEX_URL = f"{server.base}/simple/"
        settings.UPSTREAM_FILE_HOSTS = [f"127.0.0.1:{server.port}"]
        server.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
        path = next(p for p in server.routes if p.startswith("/files/"))
        server.routes[path] = Route(200, {}, WHEEL, delay=0.02, chunks=10)
        _, page = simple_json(Client(), "requests")
        url = page["files"][0]["url"].removeprefix("http://testserver")

        def download():
            response = Client().get(url)
            return response.status_code, b"".join(response.streaming_content)

        results = at_once(download, times=20)
        assert all(result == (200, WHEEL) for result in results), results
        assert len([p for _, p, _ in server.log if p == path]) == 1
        assert len(_stored_files()) == 1
    finally:
        server.stop()


def test_a_quarantined_project_of_ours_is_never_the_upstreams(upstream):
    project = FileFactory(release__project__name="ourname", release__version="0.1").release.project
    project.status = project.Status.QUARANTINED
    project.save()
    upstream.publish("ourname", {"ourname-99.0-py3-none-any.whl": WHEEL})
    assert Client().get("/simple/ourname/").status_code == 404
    assert upstream.log == []


# -- staff blocks and tracking ------------------------------------------------------------------------------


def test_a_blocked_version_disappears_from_the_page_at_once_and_its_download_says_why(upstream):
    from packages.upstream.blocks import block_add

    upstream.publish(
        "requests", {"requests-2.0-py3-none-any.whl": WHEEL, "requests-2.1-py3-none-any.whl": WHEEL + b"2"}
    )
    client = Client()
    _, page = simple_json(client, "requests")
    bad = next(f for f in page["files"] if f["filename"] == "requests-2.1-py3-none-any.whl")
    staff = UserFactory(is_staff=True)
    block_add(actor=staff, name="Requests", version="2.1", reason="malware, see ticket 42")
    _, page = simple_json(client, "requests")
    assert [f["filename"] for f in page["files"]] == ["requests-2.0-py3-none-any.whl"]
    refused = client.get(bad["url"].removeprefix("http://testserver"))
    assert refused.status_code == 404
    assert refused.content == b"Not Found: 'requests-2.1-py3-none-any.whl' is blocked on this index: malware, see ticket 42\n"
    assert not [p for _, p, _ in upstream.log if p.startswith("/files/")]
    from accounts.models import SecurityEvent

    event = SecurityEvent.objects.get(tag="project:upstream:block")
    assert event.project_name == "requests" and event.details == {"version": "2.1", "reason": "malware, see ticket 42"}


def test_an_owner_who_tracks_the_upstream_serves_both_sets_ours_first(upstream):
    from packages.models import ProjectRole
    from packages.upstream.tracking import project_tracking_set

    local = FileFactory(release__project__name="forked", release__version="0.1")
    project = local.release.project
    owner = UserFactory()
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    upstream.publish("forked", {"forked-5.0-py3-none-any.whl": WHEEL, local.filename: b"same name, other bytes"})
    client = Client()
    assert [f["filename"] for f in simple_json(client, "forked")[1]["files"]] == [local.filename]
    assert upstream.log == []

    project_tracking_set(actor=owner, project=project, track=True)
    _, page = simple_json(client, "forked")
    assert [f["filename"] for f in page["files"]] == [local.filename, "forked-5.0-py3-none-any.whl"]
    assert page["meta"]["tracks"] == [f"{upstream.base}/simple/forked/"]
    html = client.get("/simple/forked/").content.decode()
    assert f'<meta name="pypi:tracks" content="{upstream.base}/simple/forked/">' in html
    assert len(page["files"]) == 2, page
    theirs = page["files"][1]["url"].removeprefix("http://testserver")
    assert b"".join(client.get(theirs).streaming_content) == WHEEL

    project_tracking_set(actor=owner, project=project, track=False)
    assert [f["filename"] for f in simple_json(client, "forked")[1]["files"]] == [local.filename]
    assert client.get(theirs).status_code == 404


def test_a_fetched_upstream_project_has_a_small_page_and_is_found_by_search(upstream):
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    client = Client()
    assert client.get("/project/requests/").status_code == 404  # never fetched: nothing to show
    assert "requests" not in client.get("/search/?q=reque").content.decode().split("</h1>", 1)[1].split("<footer")[0].replace('value="reque"', "")
    client.get("/simple/requests/")
    page = client.get("/project/requests/").content.decode()
    assert f"Served from the upstream index 127.0.0.1:{upstream.port}" in page
    assert "requests-2.0-py3-none-any.whl" in page and "not yet (fetched on its first download)" in page
    assert 'href="/project/requests/"' in client.get("/search/?q=reque").content.decode()


def test_a_proxied_page_is_replayed_by_the_fast_path_until_its_copy_changes(upstream, settings, django_assert_num_queries):
    from indexsite.wsgi import fastpath as application  # inside the request observer
    from packages.index.fastpath import IndexFastPath
    from tests.packages.test_fastpath import get

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    site = IndexFastPath(application.app)
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    first = get(site, "/simple/requests/")
    assert first.status == 200 and b"requests-2.0" in first.body
    # The first copy moved no generation (nothing was built from a copy before): the next request is a replay.
    with django_assert_num_queries(0):
        assert get(site, "/simple/requests/").body == first.body
    edge_age = int(first.headers["surrogate-control"].removeprefix("max-age="))
    assert settings.UPSTREAM_CACHE_SECONDS - 5 <= edge_age <= settings.UPSTREAM_CACHE_SECONDS
    with django_assert_num_queries(0):
        assert get(site, "/simple/requests/").body == first.body
    # Once the copy is due, the upstream is asked again; a changed copy moves the name's generation, so
    # the replay (and the edge, purged) gives way to the new page at once.
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL, "requests-2.1-py3-none-any.whl": WHEEL + b"!"})
    UpstreamProject.objects.update(checked=timezone.now() - timedelta(days=1))
    from packages.upstream.pages import copy_of

    copy_of("requests")
    assert b"requests-2.1" in get(site, "/simple/requests/").body


def test_a_private_project_that_tracks_the_upstream_serves_its_upstream_files_only_to_its_readers(upstream):
    from packages.models import ProjectRole
    from packages.upstream.tracking import project_tracking_set
    from tests.tokens.factories import basic_auth_header, make_token

    project = FileFactory(release__project__name="forked", release__version="0.1").release.project
    owner = UserFactory()
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    upstream.publish("forked", {"forked-5.0-py3-none-any.whl": WHEEL})
    project = project_tracking_set(actor=owner, project=project, track=True)
    project.private = True
    project.save()
    _, raw = make_token(owner, projects=["forked"])
    reader = {"HTTP_AUTHORIZATION": basic_auth_header(raw)}
    client = Client()
    page = json.loads(client.get("/simple/forked/", HTTP_ACCEPT=JSON, **reader).content)
    assert len(page["files"]) == 2, page
    theirs = page["files"][1]["url"].removeprefix("http://testserver")
    assert b"".join(client.get(theirs, **reader).streaming_content) == WHEEL
    stranger = client.get(theirs)
    assert stranger.status_code == 404 and stranger.content == b"Not Found: no such file.\n"
    _, other = make_token(UserFactory())
    assert client.get(theirs, HTTP_AUTHORIZATION=basic_auth_header(other)).status_code == 404


def test_a_stored_upstream_file_costs_three_queries_and_a_page_rebuild_four(upstream, settings, django_assert_num_queries):
    """Whose name it is (a project, a pending publisher, a reservation) is one question, asked once."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # as Redis: no query
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    client = Client()
    _, page = simple_json(client, "requests")
    url = page["files"][0]["url"].removeprefix("http://testserver")
    assert client.get(url).status_code == 200  # fetched and stored

    with django_assert_num_queries(3):  # the file's row, whose name it is, the blocks
        head = client.head(url)
    assert head.status_code == 200 and head["Content-Length"] == str(len(WHEEL))

    cache.clear()  # the page's document is built again from the kept copy
    with django_assert_num_queries(4):  # a project of ours?, whose name it is, the kept copy, the blocks
        assert simple_json(client, "requests")[0].status_code == 200


@pytest.mark.parametrize("mode", ["stream", "x-accel-redirect"])
def test_a_stored_upstream_file_is_sent_as_local_files_are(upstream, settings, mode):
    """Byte ranges (uv reads a wheel's metadata so when no PEP 658 file is offered), Last-Modified, and the
    front server's handoff with FILE_SERVE: one way of sending stored bytes, whoever's they are."""
    upstream.publish("requests", {"requests-2.0-py3-none-any.whl": WHEEL})
    client = Client()
    _, page = simple_json(client, "requests")
    url = page["files"][0]["url"].removeprefix("http://testserver")
    assert client.get(url).status_code == 200  # fetched and stored
    settings.FILE_SERVE = mode
    row = UpstreamFile.objects.get()

    whole = client.get(url)
    partial = client.get(url, HTTP_RANGE="bytes=-22")

    assert whole["Accept-Ranges"] == "bytes" and whole["Last-Modified"]
    if mode == "stream":
        assert b"".join(whole.streaming_content) == WHEEL
        assert partial.status_code == 206 and b"".join(partial.streaming_content) == WHEEL[-22:]
        assert partial["Content-Range"] == f"bytes {len(WHEEL) - 22}-{len(WHEEL) - 1}/{len(WHEEL)}"
    else:
        assert whole.content == b"" and whole["X-Accel-Redirect"] == f"/_stored/{row.path}"
