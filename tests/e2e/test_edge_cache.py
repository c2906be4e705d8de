"""Varnish (deploy/varnish.vcl) in front of the live server: hits, and changes visible through it at once.

Needs Debian's varnish and varnish-modules (.ci/run installs them); without
them the test is skipped unless REQUIRE_VARNISH is set, as CI sets it.
"""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from packages.models import Project, Release
from packages.services import project_quarantine_enter, release_yank

from . import clients, servers
from .conftest import Dists, make_token

pytestmark = pytest.mark.e2e
VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish.vcl"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def varnish(server, settings, tmp_path):
    """Varnish on a free loopback port in front of the live server; the site purges it after changes."""
    if not shutil.which("varnishd"):
        if os.environ.get("REQUIRE_VARNISH"):
            pytest.fail("varnishd is missing: apt-get install varnish varnish-modules")
        pytest.skip("varnishd is not installed (apt-get install varnish varnish-modules)")
    backend_port = server.rsplit(":", 1)[1]
    workdir = tmp_path / "varnish"
    workdir.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(workdir, 0o755)
    vcl = workdir / "test.vcl"
    vcl.write_text(VCL.read_text().replace('"8000"', f'"{backend_port}"'))
    port = _free_port()
    process = subprocess.Popen(
        ["varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n", str(workdir / "n"),
         "-s", "malloc,32m", "-T", "none", "-j", "none"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    servers.wait_until_answering(url + "/simple/", process, "varnishd")
    settings.CACHE_PURGE_URLS = [f"http://127.0.0.1:{port}/"]
    yield url
    process.terminate()
    process.wait(10)


def test_varnish_caches_and_every_change_shows_through_it_at_once(varnish, server, dists, env, uploader):
    token = make_token(uploader, "e2e-alpha")
    assert clients.twine_upload(server, dists.alpha_1, password=token, env=env).returncode == 0
    page = f"{varnish}/simple/e2e-alpha/"

    first = requests.get(page)
    second = requests.get(page)
    assert first.status_code == second.status_code == 200
    assert second.headers["X-Cache"] == "HIT"
    assert second.text == first.text
    assert "xkey" not in second.headers  # the keys stay inside the edge

    # An upload: the new version is listed through the edge at once.
    new_wheel = Dists.wheel(dists.alpha_2).name
    assert new_wheel not in second.text
    assert clients.twine_upload(server, dists.alpha_2, password=token, env=env).returncode == 0
    after_upload = requests.get(page)
    assert new_wheel in after_upload.text
    assert requests.get(page).headers["X-Cache"] == "HIT"

    # A yank: the file is marked yanked through the edge at once.
    release = Release.objects.get(project__normalized_name="e2e-alpha", version="2.0")
    release_yank(user=uploader, release=release, reason="broken build")
    assert 'data-yanked="broken build"' in requests.get(page).text

    # A quarantine: the project, its JSON and its files are gone from the edge at once.
    file_url = f"{varnish}/files/{release.files.first().path}"
    assert requests.get(file_url).status_code == 200
    assert requests.get(f"{varnish}/pypi/e2e-alpha/json").status_code == 200
    project_quarantine_enter(user=uploader, project=Project.objects.get(normalized_name="e2e-alpha"))
    assert requests.get(page).status_code == 404
    assert requests.get(f"{varnish}/pypi/e2e-alpha/json").status_code == 404
    assert requests.get(file_url).status_code == 404
    assert "e2e-alpha" not in requests.get(f"{varnish}/simple/").text


def test_varnish_never_answers_one_reader_with_what_only_another_may_see(varnish, server, dists, env, uploader, settings):
    from packages.index.rendering import project_changed
    from tokens.models import APIToken
    from tokens.services import token_create, token_revoke

    token = make_token(uploader, "e2e-alpha")
    assert clients.twine_upload(server, dists.alpha_1, password=token, env=env).returncode == 0
    project = Project.objects.get(normalized_name="e2e-alpha")
    project.private = True
    project.save()
    project_changed(name="e2e-alpha", index=True)
    _, reader = token_create(user=uploader, name="reader", projects=["e2e-alpha"])
    stranger = make_token(type(uploader).objects.create_user("stranger-e2e", password="x" * 20))
    page = f"{varnish}/simple/e2e-alpha/"
    file_url = f"{varnish}/files/{project.releases.get().files.first().path}"

    for _ in range(3):
        answer = requests.get(page, auth=("__token__", reader))
        assert answer.status_code == 200 and answer.headers["X-Cache"] == "MISS"
        assert answer.headers["Cache-Control"].startswith("private")
        assert requests.get(file_url, auth=("__token__", reader)).status_code == 200
    accept = {"Accept": answer.request.headers.get("Accept", "*/*")}
    assert requests.get(page, headers=accept, auth=("__token__", stranger)).status_code == 404
    assert requests.get(page, headers=accept).status_code == 404
    assert requests.get(file_url).status_code == 404
    assert requests.get(file_url, auth=("__token__", stranger)).status_code == 404

    token_revoke(token=APIToken.objects.get(name="reader"))
    revoked = requests.get(page, auth=("__token__", reader))
    assert revoked.status_code == 401
    assert revoked.text == "Unauthorized: the API token has been revoked. Create a new token on your account page.\n"

    # A private index: anonymous answers are 401s, and a 401 is never kept.
    settings.PRIVATE_INDEX = True
    project.private = False
    project.save()
    project_changed(name="e2e-alpha", index=True)
    for _ in range(2):
        refused = requests.get(page)
        assert refused.status_code == 401 and refused.headers["X-Cache"] == "MISS"
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="indexsite"'
    settings.PRIVATE_INDEX = False
    assert requests.get(page).status_code == 200


def test_varnish_keeps_one_variant_per_representation_whatever_accept_says(varnish, server, dists, env, uploader):
    token = make_token(uploader, "e2e-alpha")
    assert clients.twine_upload(server, dists.alpha_1, password=token, env=env).returncode == 0
    page = f"{varnish}/simple/e2e-alpha/"
    first = requests.get(page, headers={"Accept": "text/html, x/1"})
    assert first.status_code == 200 and first.headers["X-Cache"] == "MISS"
    for n in range(2, 6):
        again = requests.get(page, headers={"Accept": f"text/html, x/{n}"})
        assert again.headers["X-Cache"] == "HIT", n
        assert again.text == first.text
    pip = requests.get(page, headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html; q=0.01"})
    assert pip.headers["Content-Type"] == "application/vnd.pypi.simple.v1+json"
    assert requests.get(page, headers={"Accept": "application/vnd.pypi.simple.latest+json"}).headers["X-Cache"] == "HIT"


def test_behind_a_tls_proxy_and_varnish_two_proxies_give_the_client_address(varnish, server, settings):
    """README's layout: TLS proxy -> Varnish -> gunicorn with NUM_PROXIES=2 records the real client."""
    from accounts.models import SecurityEvent

    settings.NUM_PROXIES = 2
    # What the TLS proxy sends on: the client's address in X-Forwarded-For; Varnish appends its own peer's.
    headers = {"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer pypi-0000000000000000_" + "x" * 43}
    assert requests.get(f"{varnish}/simple/e2e-alpha/", headers=headers).status_code == 401
    event = SecurityEvent.objects.get(tag="account:api_token:invalid_use")
    assert event.ip_address == "203.0.113.9"


def test_varnish_refuses_purges_from_addresses_outside_its_acl(varnish):
    import http.client

    port = int(varnish.rsplit(":", 1)[1])
    outsider = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=("127.0.0.2", 0))
    outsider.request("PURGE", "/", headers={"xkey-purge": "all-projects"})
    assert outsider.getresponse().status == 403
    outsider.close()
    allowed = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    allowed.request("PURGE", "/", headers={"xkey-purge": "all-projects"})
    assert allowed.getresponse().status == 200
    allowed.close()
