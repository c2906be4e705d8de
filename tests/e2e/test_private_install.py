"""Real installers read private projects with a read token, the ways their users configure credentials.

pip with the token in the index URL and from `.netrc`, `pip download` of a file
URL, uv with `UV_INDEX_<NAME>_USERNAME/PASSWORD`; anonymous installers and a
stranger's token find nothing, and with PRIVATE_INDEX on anonymous ones are
asked for credentials (401).
"""

import hashlib
import os
from urllib.parse import urlsplit

import pytest

from packages.index.rendering import project_changed
from packages.models import File, Project
from tokens.services import token_create

from . import clients
from .conftest import Dists, make_token

pytestmark = pytest.mark.e2e


def read_token(user, *projects):
    """A read-only token (it cannot upload) of `user`, scoped to `projects`."""
    token, raw = token_create(user=user, name=f"read {'-'.join(projects)}", projects=list(projects) or None)
    token.can_read, token.can_upload = True, False
    token.save()
    return raw


def with_credentials(url, raw):
    parts = urlsplit(url)
    return f"{parts.scheme}://__token__:{raw}@{parts.netloc}"


@pytest.fixture
def private_projects(server, dists, env, uploader):
    """e2e-alpha 1.0 and e2e-beta 1.0 (which needs alpha), both private."""
    upload_token = make_token(uploader)
    for files in (dists.alpha_1, dists.beta_1):
        result = clients.twine_upload(server, files, password=upload_token, env=env)
        assert result.returncode == 0, result
    for name in ("e2e-alpha", "e2e-beta"):
        project = Project.objects.get(normalized_name=name)
        project.private = True
        project.save()
        project_changed(name=name, index=True)
    return read_token(uploader, "e2e-alpha", "e2e-beta")


def test_pip_installs_a_private_package_with_the_token_in_the_index_url(server, private_projects, env, tmp_path):
    python = clients.fresh_venv(tmp_path / "venv", env=env)
    result = clients.pip_install(with_credentials(server, private_projects), python, "e2e-beta", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", "e2e_beta", env=env) == {
        "e2e_alpha": "1.0",
        "e2e_beta": "1.0",
    }


def test_pip_reads_the_token_from_netrc(server, private_projects, env, tmp_path):
    netrc = tmp_path / "home" / ".netrc"
    netrc.write_text(f"machine {urlsplit(server).hostname}\nlogin __token__\npassword {private_projects}\n")
    os.chmod(netrc, 0o600)
    python = clients.fresh_venv(tmp_path / "venv", env=env)
    result = clients.pip_install(server, python, "e2e-beta", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_beta", env=env) == {"e2e_beta": "1.0"}


def test_pip_downloads_a_file_url_of_a_private_page(server, private_projects, env, tmp_path, dists):
    file = File.objects.get(filename=Dists.wheel(dists.alpha_1).name)
    url = with_credentials(server, private_projects) + f"/files/{file.path}"
    result = clients.run(
        [clients.BIN / "python", "-m", "pip", "--isolated", "download", "--no-cache-dir", "--no-deps",
         "-d", tmp_path / "downloads", url],
        env=env,
    )
    assert result.returncode == 0, result
    downloaded = tmp_path / "downloads" / file.filename
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == file.sha256_digest


def test_uv_installs_with_its_index_credential_variables(server, private_projects, env, tmp_path):
    python = clients.fresh_venv(tmp_path / "venv", env=env)
    uv_env = {**env, "UV_INDEX_INTERNAL_USERNAME": "__token__", "UV_INDEX_INTERNAL_PASSWORD": private_projects}
    result = clients.run(
        [clients.BIN / "uv", "pip", "install", "--no-cache", "--python", python,
         "--default-index", f"internal={server}/simple/", "e2e-beta"],
        env=uv_env,
    )
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", "e2e_beta", env=env) == {
        "e2e_alpha": "1.0",
        "e2e_beta": "1.0",
    }


def test_anonymous_and_strangers_find_nothing(server, private_projects, env, tmp_path, two_factor_user):
    python = clients.fresh_venv(tmp_path / "venv", env=env)
    anonymous = clients.pip_install(server, python, "e2e-beta", env=env)
    assert anonymous.returncode != 0
    assert "No matching distribution found for e2e-beta" in anonymous.text
    stranger = read_token(two_factor_user.__class__.objects.create_user("stranger", password="x" * 20))
    refused = clients.uv_pip_install(with_credentials(server, stranger), python, "e2e-beta", env=env)
    assert refused.returncode != 0
    assert "e2e-beta was not found in the package registry" in refused.text


def test_a_private_index_asks_anonymous_installers_for_credentials(server, private_projects, env, tmp_path, settings):
    settings.PRIVATE_INDEX = True
    python = clients.fresh_venv(tmp_path / "venv", env=env)
    anonymous = clients.pip_install(server, python, "e2e-beta", env=env)
    assert anonymous.returncode != 0
    # The 401's WWW-Authenticate makes pip ask for a user (here refused: no input allowed).
    assert f"question: User for {urlsplit(server).netloc}" in anonymous.text, anonymous
    with_token = clients.pip_install(with_credentials(server, private_projects), python, "e2e-beta", env=env)
    assert with_token.returncode == 0, with_token
