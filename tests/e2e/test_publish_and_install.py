"""Publish with twine and uv, install with pip and uv, yank: the whole journey against the real server."""

import pytest
import requests

from packages.models import File, Project, Release
from packages.services import release_yank

from . import clients
from .conftest import Dists, make_token

pytestmark = pytest.mark.e2e


def test_publish_with_twine_and_uv_then_install_with_pip_and_uv(
    server, dists, env, uploader, tmp_path, server_requests
):
    alpha_token = make_token(uploader, "e2e-alpha")
    beta_token = make_token(uploader, "e2e-beta")

    # twine uploads e2e-alpha 1.0 and 2.0 (sdist and wheel each) with a project-scoped token.
    result = clients.twine_upload(server, [*dists.alpha_1, *dists.alpha_2], password=alpha_token, env=env)
    assert result.returncode == 0, result
    # uv publish uploads e2e-beta, which depends on e2e-alpha.
    result = clients.uv_publish(server, dists.beta_1, token=beta_token, env=env)
    assert result.returncode == 0, result

    alpha = Project.objects.get(normalized_name="e2e-alpha")
    assert sorted(Release.objects.filter(project=alpha).values_list("version", flat=True)) == ["1.0", "2.0"]
    assert File.objects.filter(release__project__normalized_name="e2e-beta").count() == 2
    assert alpha.roles.get().user == uploader

    # pip resolves e2e-beta's dependency through the simple API and takes the newest e2e-alpha.
    server_requests.clear()
    python = clients.fresh_venv(tmp_path / "pip-venv", env=env)
    result = clients.pip_install(server, python, "e2e-beta", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", "e2e_beta", env=env) == {
        "e2e_alpha": "2.0",
        "e2e_beta": "1.0",
    }
    # PEP 658: pip read each wheel's METADATA file before downloading the wheel.
    alpha_wheel = File.objects.get(filename=Dists.wheel(dists.alpha_2).name)
    assert ("GET", f"/files/{alpha_wheel.path}.metadata") in server_requests
    assert f"{alpha_wheel.filename}.metadata" in result.text  # "Obtaining dependency information ... from ...metadata"
    assert ("GET", "/simple/e2e-alpha/") in server_requests

    # uv installs the same into another fresh environment.
    python = clients.fresh_venv(tmp_path / "uv-venv", env=env)
    result = clients.uv_pip_install(server, python, "e2e-beta", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", "e2e_beta", env=env) == {
        "e2e_alpha": "2.0",
        "e2e_beta": "1.0",
    }

    # Yank 2.0: resolvers skip it...
    release_yank(user=uploader, release=Release.objects.get(project=alpha, version="2.0"), reason="broken build")
    python = clients.fresh_venv(tmp_path / "pip-yanked", env=env)
    result = clients.pip_install(server, python, "e2e-beta", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", env=env) == {"e2e_alpha": "1.0"}

    python = clients.fresh_venv(tmp_path / "uv-yanked", env=env)
    result = clients.uv_pip_install(server, python, "e2e-alpha", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", env=env) == {"e2e_alpha": "1.0"}

    # ...unless it is pinned with ==, and then pip says why it was yanked.
    python = clients.fresh_venv(tmp_path / "pip-pinned", env=env)
    result = clients.pip_install(server, python, "e2e-alpha==2.0", env=env)
    assert result.returncode == 0, result
    assert clients.installed_versions(python, "e2e_alpha", env=env) == {"e2e_alpha": "2.0"}
    assert "yanked version" in result.text and "Reason for being yanked: broken build" in result.text

    # The JSON API and the project page agree: 1.0 is the version to show, 2.0 is yanked.
    response = requests.get(f"{server}/pypi/e2e-alpha/json", timeout=30)
    document = response.json()
    assert document["info"]["version"] == "1.0"
    assert document["info"]["license_expression"] == "MIT"
    assert document["releases"]["2.0"][0]["yanked_reason"] == "broken build"
    alpha.refresh_from_db()
    assert response.headers["X-PyPI-Last-Serial"] == str(alpha.last_serial) == str(document["last_serial"])
    page = requests.get(f"{server}/project/e2e-alpha/", timeout=30).text
    assert "A package built by the end-to-end suite." in page
    assert "e2e-alpha 1.0" in page
