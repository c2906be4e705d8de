"""Faults during an upload: a clear error, nothing half-visible, and the sweeper finds what a crash leaves."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_otp.plugins.otp_totp.models import TOTPDevice

from packages.models import File, FilenameRegistry, Project, Release
from packages import storage
from tests.accounts.factories import UserFactory
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.factories import basic_auth_header, make_token


@pytest.fixture
def auth(db):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return basic_auth_header(make_token(user)[1])


def _post(client, dist, auth):
    return client.post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=auth)


def _nothing_visible(media_root):
    assert (Project.objects.count(), Release.objects.count(), File.objects.count(), FilenameRegistry.objects.count()) == (0, 0, 0, 0)
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_a_storage_write_that_raises_is_a_clear_503_and_leaves_nothing(client, auth, media_root, monkeypatch):
    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "store", broken)
    response = _post(client, make_wheel("demo", "1.0"), auth)
    assert response.status_code == 503
    assert response.reason_phrase == "demo-1.0-py3-none-any.whl could not be stored because of a server error; nothing was kept. Try again."
    _nothing_visible(media_root)
    monkeypatch.undo()
    assert _post(client, make_wheel("demo", "1.0"), auth).status_code == 200  # a retry succeeds


def test_a_database_failure_after_the_bytes_are_stored_removes_them(client, auth, media_root, monkeypatch):
    real = storage.store_bytes

    def then_database_fails(**kwargs):
        real(**kwargs)  # the METADATA file is the last write, after the distribution file
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(storage, "store_bytes", then_database_fails)
    response = _post(client, make_wheel("demo", "1.0"), auth)
    assert response.status_code == 503 and "nothing was kept" in response.reason_phrase
    _nothing_visible(media_root)


def test_a_client_disconnecting_mid_upload_gets_a_400_and_leaves_nothing(client, auth, media_root):
    wheel = make_wheel("demo", "1.0")
    boundary = "cut"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in upload_form(wheel).items()
    ).encode()
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{wheel.filename}"\r\n\r\n'.encode()
    body = head + wheel.data[: len(wheel.data) // 2]  # the connection drops here: no closing boundary
    response = client.generic("POST", "/legacy/", body, content_type=f"multipart/form-data; boundary={boundary}", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400
    _nothing_visible(media_root)


def test_the_sweeper_finds_what_a_killed_upload_left(db, media_root):
    # A process killed between writing the bytes and committing its rows leaves them without a row.
    wheel = make_wheel("demo", "1.0")
    path = storage.file_path(blake2_256=wheel.blake2_256, filename=wheel.filename)
    storage.store(path=path, content=wheel.upload())
    out = StringIO()
    call_command("sweep_orphan_files", "--min-age", "0", stdout=out)
    assert f"deleted: {path}" in out.getvalue()
    assert not any(p.is_file() for p in media_root.rglob("*"))
