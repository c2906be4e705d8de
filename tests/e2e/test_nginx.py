"""nginx with the shipped site (deploy/nginx.conf) in front of the site: uploads, installs, files, probes, addresses.

Needs Debian's nginx (.ci/run installs it); without it the test is skipped
unless REQUIRE_NGINX is set, as CI sets it. The shipped file is used as it is,
with its addresses, paths and certificates replaced (plain HTTP on loopback).
On PostgreSQL the site behind it is gunicorn with deploy/gunicorn.conf.py (two
workers, metrics in multiprocess mode) on the test's database; on SQLite, whose
test database lives in this process's memory, it is the live server running
the same WSGI application.
"""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from django.db import connection

from accounts.models import SecurityEvent
from packages.models import File
from tests.packages.distributions import make_wheel

from . import clients, servers
from .conftest import Dists, make_token

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx.conf"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _substitute(text, old, new):
    assert text.count(old) >= 1, f"deploy/nginx.conf no longer has {old!r}: update this test"
    return text.replace(old, new)


def site_config(backend_port, port, redirect_port, media_root):
    """The shipped site on loopback ports, without TLS, sending files from the test's MEDIA_ROOT."""
    text = SITE.read_text()
    text = _substitute(text, "server 127.0.0.1:8000;", f"server 127.0.0.1:{backend_port};")
    text = _substitute(text, "listen 443 ssl;", f"listen 127.0.0.1:{port};")
    text = _substitute(text, "listen 80;", f"listen 127.0.0.1:{redirect_port};")
    text = _substitute(text, "alias /srv/indexsite/files/;", f"alias {media_root}/;")
    text = _substitute(text, "server_name pypi.example.org;", "server_name localhost;")
    text = re.sub(r"^\s*(listen \[::\].*|http2 on;|ssl_.*)$", "", text, flags=re.MULTILINE)
    return text


METRICS_TOKEN = "e2e-metrics-token"


@pytest.fixture
def backend(server, settings, media_root, tmp_path):
    """The site as deploy/ runs it: gunicorn on PostgreSQL, else the live server; with the proxy's settings."""
    # deploy/indexsite.env's settings that concern the proxy, for the live server...
    settings.NUM_PROXIES = 1
    settings.FILE_SERVE = "x-accel-redirect"
    settings.FILE_ACCEL_PREFIX = "/_stored/"
    if connection.vendor != "postgresql":
        yield server
        return
    # ... and for gunicorn, on the test's database, which the live server's tests commit to.
    db = connection.settings_dict
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    environment = {
        **os.environ, "DEBUG": "1", "NUM_PROXIES": "1", "FILE_SERVE": "x-accel-redirect", "FILE_ACCEL_PREFIX": "/_stored/",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(media_root), "ALLOWED_HOSTS": "localhost,127.0.0.1", "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2", "METRICS_ENABLED": "1", "METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    process = subprocess.Popen([str(clients.BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"], cwd=ROOT,
                               env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    servers.wait_until_answering(url + "/_health/live", process, "gunicorn")
    yield url
    process.terminate()
    process.wait(30)


@pytest.fixture
def nginx(backend, media_root, tmp_path):
    """nginx on a free loopback port in front of the live server, configured as deploy/ says."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if binary is None:
        if os.environ.get("REQUIRE_NGINX"):
            pytest.fail("nginx is missing: apt-get install nginx")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    workdir = tmp_path / "nginx"
    workdir.mkdir()
    for path in (tmp_path, workdir, media_root):
        os.chmod(path, 0o755)
    port, redirect_port = _free_port(), _free_port()
    (workdir / "site.conf").write_text(site_config(backend.rsplit(":", 1)[1], port, redirect_port, media_root))
    (workdir / "nginx.conf").write_text(
        f"""
        daemon off;
        worker_processes 1;
        pid {workdir}/nginx.pid;
        error_log {workdir}/error.log;
        {"user root;" if os.geteuid() == 0 else ""}
        events {{ worker_connections 64; }}
        http {{
            default_type application/octet-stream;
            log_format with_id '$remote_addr "$request" $status $request_id $upstream_http_x_accel_redirect';
            access_log {workdir}/access.log with_id;
            client_body_temp_path {workdir}/body;
            proxy_temp_path {workdir}/proxy;
            fastcgi_temp_path {workdir}/fastcgi;
            uwsgi_temp_path {workdir}/uwsgi;
            scgi_temp_path {workdir}/scgi;
            include {workdir}/site.conf;
        }}
        """
    )
    process = subprocess.Popen(
        [binary, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-e", str(workdir / "error.log")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    error_log = workdir / "error.log"
    servers.wait_until_answering(
        url + "/_health/live", process, "nginx", log=lambda: error_log.read_text() if error_log.exists() else ""
    )
    yield type("Nginx", (), {"url": url, "redirect_port": redirect_port, "access_log": workdir / "access.log"})
    process.terminate()
    process.wait(10)


class FromAddress(HTTPAdapter):
    """Connections from another loopback address, so the client is not the proxy's own 127.0.0.1."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def test_the_shipped_nginx_site_in_front_of_the_site(nginx, backend, dists, env, uploader, tmp_path, media_root):
    # Probes answer through it, never cached; the request id is nginx's, the same in both logs.
    for probe in ("/_health/live", "/_health/ready"):
        answer = requests.get(nginx.url + probe, headers={"X-Request-ID": "chosen-by-the-client"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["Cache-Control"] == "no-store"
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])
    # nginx writes its access line after answering: wait for it rather than race it.
    assert servers.wait_for(lambda: answer.headers["X-Request-ID"] in nginx.access_log.read_text())
    # Plain HTTP moves to HTTPS.
    moved = requests.get(f"http://localhost:{nginx.redirect_port}/simple/", allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"] == "https://localhost/simple/"

    # twine uploads a 50 MB file through it, and the usual distributions.
    token = make_token(uploader)
    large = make_wheel("e2e-large", "1.0", files={"e2e_large/blob.bin": os.urandom(50 * 1024 * 1024)})
    large_path = tmp_path / large.filename
    large_path.write_bytes(large.data)
    assert len(large.data) > 50 * 1024 * 1024
    started = time.perf_counter()
    result = clients.twine_upload(nginx.url, [large_path], password=token, env=env)
    assert result.returncode == 0, result
    upload_seconds = time.perf_counter() - started
    stored = File.objects.get(filename=large.filename)
    assert stored.sha256_digest == large.sha256
    assert clients.twine_upload(nginx.url, dists.alpha_1, password=token, env=env).returncode == 0

    # Files leave through nginx: the site answers only X-Accel-Redirect, nginx sends the bytes.
    direct = requests.get(f"{backend}/files/{stored.path}")
    assert direct.headers["X-Accel-Redirect"] == f"/_stored/{stored.path}" and direct.content == b""
    through = requests.get(f"{nginx.url}/files/{stored.path}")
    assert through.status_code == 200 and "X-Accel-Redirect" not in through.headers
    assert hashlib.sha256(through.content).hexdigest() == large.sha256
    assert f"/_stored/{stored.path}" in nginx.access_log.read_text()
    assert requests.get(f"{nginx.url}/_stored/{stored.path}").status_code == 404  # internal only

    # pip installs through it.
    python = clients.fresh_venv(tmp_path / "pip-venv", env=env)
    result = clients.pip_install(nginx.url, python, "e2e-alpha", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", env=env) == {"e2e_alpha": "1.0"}

    # The client's address reaches the security history: not nginx's, not what the client claims.
    session = requests.Session()
    session.mount("http://", FromAddress("127.0.0.2"))
    wheel = Dists.wheel(dists.alpha_2)
    answer = session.post(
        f"{nginx.url}/legacy/",
        data={":action": "file_upload", "protocol_version": "1", "name": "e2e-alpha", "version": "2.0",
              "filetype": "bdist_wheel", "pyversion": "py3", "metadata_version": "2.1",
              "sha256_digest": hashlib.sha256(wheel.read_bytes()).hexdigest()},
        files={"content": (wheel.name, wheel.read_bytes(), "application/octet-stream")},
        auth=("__token__", token),
        headers={"X-Forwarded-For": "203.0.113.66"},
    )
    assert answer.status_code == 200, answer.text
    event = SecurityEvent.objects.filter(tag="file:add", details__filename=wheel.name).get()
    assert event.ip_address == "127.0.0.2"

    if connection.vendor == "postgresql":
        # gunicorn's two workers counted these requests between them; one scrape adds them up.
        scrape = requests.get(f"{nginx.url}/_metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scrape.status_code == 200, scrape.text
        uploads = re.findall(r'^indexsite_http_requests_total\{group="upload",status="200"\} (\S+)$', scrape.text, re.M)
        assert [float(count) for count in uploads] == [4.0]  # the large wheel, alpha 1.0's two files, alpha 2.0's wheel
        assert requests.get(f"{nginx.url}/_metrics").status_code == 403
    print(f"50 MB upload through nginx: {upload_seconds:.1f} s")


def test_gunicorn_accepts_the_shipped_configuration():
    result = subprocess.run(
        [str(clients.BIN / "gunicorn"), "--check-config", "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT, env={**os.environ, "DEBUG": "1"}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
