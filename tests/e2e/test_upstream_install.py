"""One index URL: real pip and uv install through this index from a real upstream index (pypiserver).

The upstream is pypiserver 2.4.2 (pinned in requirements.txt) on loopback, serving HTML only, so the
fallback from PEP 691 JSON is exercised too. Its log shows every request it received.
"""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from organizations.models import NameReservation
from tests.organizations.factories import make_organization

from . import clients, servers
from .conftest import make_token

pytestmark = pytest.mark.e2e


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pypiserver:
    def __init__(self, packages, log):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.process = subprocess.Popen(
            [Path(sys.executable).parent / "pypi-server", "run", "-i", "127.0.0.1", "-p", str(self.port),
             "-a", ".", "-P", ".", "-v", "--log-file", str(log), str(packages)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.wait_until_answering(self.url + "/simple/", self.process, "pypiserver")

    def requested(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("upstream-dists")
    env = clients.clean_env(root)
    out = root / "dist"

    def built(name, version, **kwargs):
        source = clients.write_project(root / "src" / f"{name}-{version}", name, version, **kwargs)
        return clients.build(source, out / f"{name}-{version}", env=env)

    return {
        "updep": built("e2e-updep", "1.0"),
        "local": built("e2e-local", "1.0", dependencies=["e2e-updep>=1.0"]),
        "ourname-local": built("e2e-ourname", "0.1"),
        "ourname-upstream": built("e2e-ourname", "99.0"),
        "acme": built("acme-internal", "1.0"),
    }


@pytest.fixture
def upstream(tmp_path, builds, settings):
    packages = tmp_path / "upstream-packages"
    packages.mkdir()
    for key in ("updep", "ourname-upstream", "acme"):
        for path in builds[key]:
            shutil.copy(path, packages)
    server = Pypiserver(packages, tmp_path / "pypiserver.log")
    settings.UPSTREAM_INDEX_URL = server.url + "/simple/"
    settings.UPSTREAM_FILE_HOSTS = [f"127.0.0.1:{server.port}"]
    yield server
    server.stop()


def test_pip_and_uv_install_through_one_index_url_and_again_with_the_upstream_gone(
    server, upstream, builds, env, uploader, tmp_path
):
    token = make_token(uploader)
    assert clients.twine_upload(server, builds["local"], password=token, env=env).returncode == 0

    python = clients.fresh_venv(tmp_path / "pip-venv", env=env)
    result = clients.pip_install(server, python, "e2e-local", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_local", "e2e_updep", env=env) == {
        "e2e_local": "1.0",
        "e2e_updep": "1.0",
    }
    uv_python = clients.fresh_venv(tmp_path / "uv-venv", env=env)
    result = clients.uv_pip_install(server, uv_python, "e2e-local", env=env)
    assert result.returncode == 0, result
    assert "e2e_updep-1.0" in upstream.requested()

    # The upstream gone: a fresh environment installs both again from what this index kept.
    upstream.stop()
    again = clients.fresh_venv(tmp_path / "again", env=env)
    result = clients.pip_install(server, again, "e2e-local", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(again, "e2e_updep", env=env) == {"e2e_updep": "1.0"}


def test_a_name_of_ours_never_comes_from_the_upstream(server, upstream, builds, env, uploader, tmp_path):
    token = make_token(uploader)
    assert clients.twine_upload(server, builds["ourname-local"], password=token, env=env).returncode == 0
    acme = make_organization(uploader, name="acme")
    NameReservation.objects.create(organization=acme, name="acme-", prefix=True)

    for install in (clients.pip_install, clients.uv_pip_install):
        python = clients.fresh_venv(tmp_path / f"venv-{install.__name__}", env=env)
        result = install(server, python, "e2e-ourname", env=env)
        assert result.returncode == 0, result
        assert clients.installed_versions(python, "e2e_ourname", env=env) == {"e2e_ourname": "0.1"}
        refused = install(server, python, "acme-internal", env=env)
        assert refused.returncode != 0, refused
    log = upstream.requested()
    assert "e2e-ourname" not in log and "e2e_ourname" not in log
    assert "acme-internal" not in log and "acme_internal" not in log
