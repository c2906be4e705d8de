"""What real twine prints for every refused upload, and proof that a refusal leaves nothing behind.

twine shows the HTTP status and then the response's reason phrase, so each
message below is exactly what a user sees in the terminal. After each refusal
the database (package rows, journal, events) and the storage hold nothing new.
"""

import hashlib

import pytest
import requests

from packages.models import File, Project, ProhibitedProjectName
from packages.services import file_remove
from tests.accounts.factories import PASSWORD, UserFactory
from tokens.models import APIToken
from tokens.services import token_revoke

from . import clients
from .conftest import Dists, make_token, state

pytestmark = pytest.mark.e2e


@pytest.fixture
def published(server, dists, env, uploader, media_root):
    """e2e-alpha 1.0's wheel uploaded by `uploader`; returns the token used."""
    token = make_token(uploader, "e2e-alpha")
    result = clients.twine_upload(server, [Dists.wheel(dists.alpha_1)], password=token, env=env)
    assert result.returncode == 0, result
    return token


def assert_refused(result, status, message):
    assert result.returncode != 0, result
    assert f"HTTPError: {status}" in result.text, result
    assert message in result.text, result


def refuse(server, env, media_root, files, *, password, username="__token__"):
    """Upload `files` with twine, expecting a refusal that changes nothing; returns twine's result."""
    before = state(media_root)
    result = clients.twine_upload(server, files, username=username, password=password, env=env)
    assert result.returncode != 0, result
    assert state(media_root) == before
    return result


def test_password_upload(server, dists, env, uploader, media_root):
    result = refuse(
        server, env, media_root, [Dists.wheel(dists.alpha_1)], username=uploader.username, password=PASSWORD
    )

    assert_refused(
        result,
        403,
        "Username/Password authentication is no longer supported. "
        "Migrate to API Tokens or Trusted Publishers instead.",
    )


def test_token_of_a_user_without_two_factor(server, dists, env, media_root):
    user = UserFactory(username="no2fa")
    token = make_token(user, "e2e-alpha")

    result = refuse(server, env, media_root, [Dists.wheel(dists.alpha_1)], password=token)

    assert_refused(
        result,
        403,
        "User 'no2fa' does not have two-factor authentication enabled. "
        "Please enable two-factor authentication before attempting to upload.",
    )


def test_token_scoped_to_another_project(server, dists, env, uploader, media_root):
    token = make_token(uploader, "e2e-beta")

    result = refuse(server, env, media_root, [Dists.wheel(dists.alpha_1)], password=token)

    assert_refused(result, 403, "Invalid API Token: project-scoped token is not valid for project: 'e2e-alpha'")
    # uv publish shows the same message, from the body.
    uv = clients.uv_publish(server, [Dists.wheel(dists.alpha_1)], token=token, env=env)
    assert uv.returncode != 0
    assert "Invalid API Token: project-scoped token is not valid for project: 'e2e-alpha'" in uv.text


def test_revoked_token(server, dists, env, uploader, media_root):
    token = make_token(uploader, "e2e-alpha")
    token_revoke(token=APIToken.objects.get(owner=uploader))

    result = refuse(server, env, media_root, [Dists.wheel(dists.alpha_1)], password=token)

    assert_refused(result, 403, "Invalid or non-existent authentication information.")


def test_same_filename_other_bytes(server, dists, env, media_root, published):
    other = dists.alpha_1_other_bytes
    assert other.name == Dists.wheel(dists.alpha_1).name
    blake2 = hashlib.blake2b(other.read_bytes(), digest_size=32).hexdigest()

    result = refuse(server, env, media_root, [other], password=published)

    assert_refused(result, 400, f"File already exists ('{other.name}', with blake2_256 hash '{blake2}').")


def test_filename_reused_after_deletion(server, dists, env, uploader, media_root, published):
    wheel = Dists.wheel(dists.alpha_1)
    file_remove(user=uploader, file=File.objects.get(filename=wheel.name))

    result = refuse(server, env, media_root, [wheel], password=published)

    assert_refused(result, 400, "This filename has already been used, use a different version.")


def test_corrupt_wheel(server, dists, env, uploader, media_root):
    token = make_token(uploader, "e2e-alpha")
    wheel = dists.without_wheel_file

    result = refuse(server, env, media_root, [wheel], password=token)

    assert_refused(
        result,
        400,
        f"Invalid distribution file. Wheel '{wheel.name}' does not contain the required WHEEL file: "
        "e2e_alpha-1.0.dist-info/WHEEL",
    )


def test_wheel_that_is_not_a_zip(server, dists, env, uploader, media_root, server_requests):
    token = make_token(uploader, "e2e-alpha")

    result = refuse(server, env, media_root, [dists.truncated], password=token)

    # twine reads the wheel's METADATA before sending anything, so it stops on a broken zip itself...
    assert "BadZipFile: File is not a zip file" in result.text, result
    assert ("POST", "/legacy/") not in server_requests
    # ...and a client that sends it anyway gets the index's refusal.
    before = state(media_root)
    response = raw_upload(server, token, dists.truncated, name="e2e-alpha", version="1.0")
    assert (response.status_code, response.reason) == (
        400,
        "Invalid distribution file. The wheel is not a valid zip file.",
    )
    assert state(media_root) == before


def test_metadata_name_that_does_not_match(server, dists, env, uploader, media_root):
    token = make_token(uploader, "e2e-alpha")

    # The file is e2e-alpha's wheel under e2e-gamma's filename: twine sends the metadata's name.
    result = refuse(server, env, media_root, [dists.renamed], password=token)

    assert_refused(result, 400, "The filename is for project 'e2e-gamma', not for 'e2e-alpha'.")


def test_oversize_file(server, dists, env, uploader, media_root, published):
    Project.objects.filter(normalized_name="e2e-alpha").update(upload_limit=1000)

    result = refuse(server, env, media_root, [Dists.wheel(dists.alpha_2)], password=published)

    assert_refused(result, 400, "File too large. Limit for project 'e2e-alpha' is 1000 bytes.")


def test_wrong_digest(server, dists, uploader, media_root):
    # twine always computes the digests itself, so the wrong one is sent as a raw upload.
    token = make_token(uploader, "e2e-alpha")
    before = state(media_root)

    response = raw_upload(server, token, Dists.wheel(dists.alpha_1), name="e2e-alpha", version="1.0", sha256="0" * 64)

    assert response.status_code == 400
    message = "The digest supplied does not match a digest calculated from the uploaded file."
    assert response.reason == message
    assert message in response.text
    assert state(media_root) == before


def test_prohibited_name(server, dists, env, uploader, media_root):
    ProhibitedProjectName.objects.create(name="e2e-forbidden", comment="test")
    token = make_token(uploader, "e2e-forbidden")

    result = refuse(server, env, media_root, [dists.forbidden], password=token)

    assert_refused(result, 400, "The name 'e2e-forbidden' isn't allowed.")


def test_confusable_name(server, dists, env, uploader, media_root, published):
    token = make_token(uploader, "e2e-a1pha")

    result = refuse(server, env, media_root, [dists.confusable], password=token)

    assert_refused(result, 400, "The name 'e2e-a1pha' is too similar to an existing project ('e2e-alpha').")


def test_identical_reupload_succeeds_and_changes_nothing(server, dists, env, media_root, published):
    before = state(media_root)

    result = clients.twine_upload(server, [Dists.wheel(dists.alpha_1)], password=published, env=env)

    assert result.returncode == 0, result
    assert state(media_root) == before


def raw_upload(server, token, path, *, name, version, sha256=None):
    """One multipart upload as twine would send it, with the digests we choose."""
    data = path.read_bytes()
    fields = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": name,
        "version": version,
        "filetype": "bdist_wheel",
        "pyversion": "py3",
        "sha256_digest": sha256 or hashlib.sha256(data).hexdigest(),
        "blake2_256_digest": hashlib.blake2b(data, digest_size=32).hexdigest(),
    }
    return requests.post(
        f"{server}/legacy/",
        data=fields,
        files={"content": (path.name, data, "application/octet-stream")},
        auth=("__token__", token),
        timeout=60,
    )
