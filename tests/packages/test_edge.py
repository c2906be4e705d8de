"""What an edge cache and a front server rely on: surrogate keys, purges after commit,
X-Accel-Redirect / X-Sendfile, and the short middleware chain of machine endpoints."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from indexsite import wsgi
from packages import services
from tests.packages.factories import FileFactory, ProjectFactory


@pytest.fixture
def purge_listener(settings):
    """A local HTTP server recording the PURGE requests the site sends to it."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):
            received.append((self.path, self.headers["xkey-purge"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CACHE_PURGE_URLS = [f"http://127.0.0.1:{server.server_address[1]}/"]
    yield received
    server.shutdown()
    server.server_close()


def test_machine_responses_name_their_project_for_the_edge(client, db, media_root):
    file = FileFactory(release__project__name="demo", stored=True)

    page = client.get("/simple/demo/")
    index = client.get("/simple/")
    api = client.get("/pypi/demo/json")
    download = client.get(f"/files/{file.path}")
    missing = client.get("/simple/nothing-here/")

    assert page.headers["Surrogate-Key"] == page.headers["xkey"] == "project/demo"
    assert api.headers["xkey"] == download.headers["xkey"] == "project/demo"
    assert missing.status_code == 404 and missing.headers["xkey"] == "project/nothing-here"
    assert index.headers["xkey"] == "all-projects"
    for response in (page, index, api, download):
        assert "max-age=" in response.headers["Cache-Control"]
        assert response.headers["Surrogate-Control"].startswith("max-age=")


def test_a_change_is_purged_after_commit_only(db, user, purge_listener, django_capture_on_commit_callbacks):
    project = ProjectFactory(name="demo")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.journal_record(project=project, action="yank release 1.0")
    assert purge_listener == []  # nothing is purged before the commit

    for callback in callbacks:
        callback()
    assert purge_listener == [("/", "project/demo")]


def test_a_change_to_the_list_of_projects_purges_the_index(db, user, purge_listener, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.project_create(user=user, name="Fresh.Project")

    assert purge_listener == [("/", "project/fresh-project all-projects")]


def test_no_purge_urls_sends_nothing(db, settings, django_capture_on_commit_callbacks):
    settings.CACHE_PURGE_URLS = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.journal_record(project=ProjectFactory(name="demo"), action="x")
    assert [c for c in callbacks if "purge" in getattr(c, "__qualname__", "")] == []


def test_an_unreachable_edge_does_not_fail_the_change(db, user, settings, django_capture_on_commit_callbacks):
    settings.CACHE_PURGE_URLS = ["http://127.0.0.1:9/"]  # discard port: nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        project = services.project_create(user=user, name="still-made")
    assert project.pk


@pytest.mark.parametrize(
    "mode, header, value",
    [
        ("x-accel-redirect", "X-Accel-Redirect", "/_stored/{path}"),
        ("x-sendfile", "X-Sendfile", "{media}/{path}"),
    ],
)
def test_front_server_sends_the_bytes(client, db, media_root, settings, mode, header, value):
    settings.FILE_SERVE = mode
    file = FileFactory(release__project__name="demo", stored=True)

    response = client.get(f"/files/{file.path}")

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers[header] == value.format(path=file.path, media=Path(settings.MEDIA_ROOT))
    assert response.headers["ETag"] == f'"{file.sha256_digest}"'


def _call(path):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
    }
    status = []
    body = b"".join(wsgi.application(environ, lambda s, headers, exc_info=None: status.append((s, headers))))
    return status[0][0], dict(status[0][1]), body


@pytest.mark.django_db(transaction=True)
def test_machine_paths_skip_the_browser_middleware():
    FileFactory(release__project__name="demo")
    assert wsgi.machine is not wsgi.site

    status, headers, body = _call("/simple/demo/")
    assert status.startswith("200")
    assert "Vary" in headers and "Cookie" not in headers["Vary"]  # no session was touched
    assert "X-Frame-Options" not in headers  # the clickjacking middleware did not run

    status, headers, body = _call("/account/login/")
    assert status.startswith("200")
    assert headers["X-Frame-Options"] == "DENY"
    assert "csrftoken" in headers.get("Set-Cookie", "")


@pytest.mark.parametrize(
    "path", ["/simple/%0D/", "/simple/%0Aa/", "/simple/%C7%8C/", "/pypi/%0D/json", "/integrity/%0D/1.0/%0Ax.whl/provenance"]
)
def test_a_name_no_project_can_have_is_a_404_not_a_broken_header(client, db, path):
    response = client.get(path)

    assert response.status_code in (301, 404)
    assert all("\r" not in v and "\n" not in v and v.isascii() for v in response.headers.values())
