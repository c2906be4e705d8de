"""Provenance end to end: real twine (--attestations) and uv publish upload attestation files through a
trusted publisher's minted token to the live server; the Integrity API's answer verifies again with the same
trust root; and a project that requires provenance refuses twine with a personal token.

The attestations come from the session's throwaway Sigstore (tests/packages/sigstore_instance.py), written
beside the distributions as `<file>.publish.attestation`, where twine and uv look for them.
"""

import hashlib
import json
import shutil

import pytest
import requests
from pypi_attestations import Provenance

from accounts.models import SecurityEvent
from packages.models import File, Project
from packages.provenance import verification
from packages.provenance.models import FileProvenance
from tests.packages.conftest import sigstore_instance, trusted_root, trusted_root_file  # noqa: F401 - the fixtures
from tests.packages.sigstore_instance import Identity
from tests.tokens.publishing.conftest import AUDIENCE, oidc_issuer  # noqa: F401 - the fixture
from tokens.publishing import services as publishing
from tokens.publishing.models import TrustedPublisher

from . import clients
from .conftest import make_token
from .test_trusted_publishing import GITHUB, existing_project, https_server, mint, owner  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e
GITHUB_SHA = "8a3f3c2e0c9d7b1f4e5a6b7c8d9e0f1a2b3c4d5e"  # the test issuer's `sha` claim


def attested_copies(files, directory, instance):
    """`files` copied into `directory`, each with a `<file>.publish.attestation` beside it."""
    directory.mkdir()
    copies = []
    for path in files:
        copy = directory / path.name
        shutil.copy(path, copy)
        attestation = instance.attest_file(copy, identity=Identity.github(sha=GITHUB_SHA))
        (directory / f"{path.name}.publish.attestation").write_text(json.dumps(attestation))
        copies.append(copy)
    return copies


def assert_served_provenance_verifies(server, files, verify=True):
    """Each file's provenance, fetched from the Integrity API, verifies again against the same trust root."""
    for path in files:
        version = File.objects.get(filename=path.name).release.version
        response = requests.get(f"{server}/integrity/e2e-alpha/{version}/{path.name}/provenance", timeout=30, verify=verify)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/vnd.pypi.integrity.v1+json"
        bundle = Provenance.model_validate_json(response.content).attestation_bundles[0]
        verified = verification.verify_all(
            bundle.attestations, identity=bundle.publisher, filename=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest()
        )
        assert verified[0].commit == GITHUB_SHA
    simple = requests.get(f"{server}/simple/e2e-alpha/", timeout=30, verify=verify).text
    assert simple.count("data-provenance=") == len(files)


def test_twine_uploads_attestations_through_a_trusted_publisher(server, dists, env, owner, oidc_issuer, trusted_root, sigstore_instance, tmp_path):
    existing_project("e2e-alpha", owner)
    publishing.publisher_add(user=owner, project_name="e2e-alpha", kind=TrustedPublisher.Kind.GITHUB, fields=GITHUB)
    status, body = mint(server, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    assert status == 200, body
    files = attested_copies(dists.alpha_1, tmp_path / "dist", sigstore_instance)

    result = clients.run(
        [
            clients.BIN / "twine", "upload", "--non-interactive", "--disable-progress-bar", "--attestations",
            "--repository-url", f"{server}/legacy/", "-u", "__token__", "-p", body["token"],
            *sorted(str(p) for p in (tmp_path / "dist").iterdir()),
        ],
        env=env,
    )

    assert result.returncode == 0, result
    assert FileProvenance.objects.count() == 2
    assert SecurityEvent.objects.filter(tag="file:provenance:add").count() == 2
    assert_served_provenance_verifies(server, files)


def test_uv_publish_uploads_the_attestations_beside_the_files(https_server, dists, env, owner, oidc_issuer, trusted_root, sigstore_instance, tmp_path):
    url, ca = https_server
    existing_project("e2e-alpha", owner)
    publishing.publisher_add(user=owner, project_name="e2e-alpha", kind=TrustedPublisher.Kind.GITHUB, fields=GITHUB)
    files = attested_copies(dists.alpha_2, tmp_path / "dist", sigstore_instance)
    env = {
        **env,
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{oidc_issuer.url('github')}/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": oidc_issuer.actions_request_token,
        "SSL_CERT_FILE": str(ca),
    }

    result = clients.run(
        [
            clients.BIN / "uv", "publish", "--no-cache", "--trusted-publishing", "always",
            "--publish-url", f"{url}/legacy/", str(tmp_path / "dist" / "*"),
        ],
        env=env,
    )

    assert result.returncode == 0, result
    assert sorted(FileProvenance.objects.values_list("file__filename", flat=True)) == sorted(p.name for p in files)
    assert_served_provenance_verifies(url, files, verify=str(ca))


def test_a_project_requiring_provenance_refuses_twine_with_a_personal_token(server, dists, env, uploader):
    project = existing_project("e2e-alpha", uploader)
    Project.objects.filter(pk=project.pk).update(provenance_required=True)

    result = clients.twine_upload(server, dists.alpha_1, password=make_token(uploader), env=env)

    assert result.returncode != 0
    assert (
        "e2e-alpha accepts only files with a verified attestation from one of its trusted publishers "
        "(its provenance policy requires it). Publish from the project's trusted publisher workflow with "
        "attestations on (pypa/gh-action-pypi-publish does so by default; twine upload --attestations), "
        "not with an API token."
    ) in result.text
    assert not File.objects.exists()
