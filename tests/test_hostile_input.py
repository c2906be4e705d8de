"""Hostile input never produces a 5xx or a traceback: Hypothesis sends what no client would."""

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.factories import UserFactory
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.factories import basic_auth_header, make_token

pytestmark = pytest.mark.django_db

FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
text = st.text(st.characters(codec="utf-8"), max_size=300)
hostile_text = st.one_of(text, st.just("\x00"), st.just("../../etc/passwd"), st.just("/abs/path"), st.just("é" * 5000))


def _no_server_error(response):
    assert response.status_code < 500, response.content[:500]
    assert b"Traceback" not in response.content


@pytest.fixture
def auth(db):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return basic_auth_header(make_token(user)[1])


@FAST
@given(field=st.sampled_from(["name", "version", "metadata_version", "filetype", "pyversion", "summary",
                              "sha256_digest", "protocol_version", ":action", "requires_python", "classifiers"]),
       value=hostile_text)
def test_upload_form_fields(auth, media_root, field, value):
    cache.clear()
    wheel = make_wheel("demo", "1.0")
    form = {**upload_form(wheel), field: value}
    _no_server_error(Client().post("/legacy/", {**form, "content": wheel.upload()}, HTTP_AUTHORIZATION=auth))


@FAST
@given(data=st.binary(max_size=2000), filename=hostile_text)
def test_upload_file_part(auth, media_root, data, filename):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cache.clear()
    wheel = make_wheel("demo", "1.0")
    # The test client itself refuses names that are empty, "." or ".." or carry a path; the rest go as they are.
    name = filename.replace("\x00", "").replace("/", "_").replace("\\", "_")
    content = SimpleUploadedFile(name if name not in ("", ".", "..") else "x", data)
    _no_server_error(Client().post("/legacy/", {**upload_form(wheel), "content": content}, HTTP_AUTHORIZATION=auth))


@FAST
@given(name=text, query=text)
def test_simple_and_json_api_names_and_query_strings(db, name, query):
    from urllib.parse import quote

    client = Client()
    for path in (f"/simple/{quote(name, safe='')}/", f"/pypi/{quote(name, safe='')}/json", "/simple/", "/"):
        _no_server_error(client.get(path, {"q": query, "page": query}, HTTP_ACCEPT=query[:100].encode("latin-1", "replace").decode("latin-1")))


@FAST
@given(username=hostile_text, password=hostile_text, code=hostile_text)
def test_login_two_factor_and_token_forms(db, username, password, code):
    cache.clear()
    client = Client()
    _no_server_error(client.post("/account/login/", {"username": username, "password": password}))
    _no_server_error(client.post("/account/register/", {"username": username, "email": code, "password1": password, "password2": password}))
    _no_server_error(client.post("/account/reset-password/", {"login": username}))
    _no_server_error(client.post("/account/two-factor/", {"method": code, "totp-code": code, "recovery-recovery_code": code}))
    _no_server_error(client.post("/legacy/", {"name": username}, HTTP_AUTHORIZATION=f"Basic {code}"))
    _no_server_error(client.post("/_/secrets/disclose-token", code, content_type="application/json"))


def test_ten_megabyte_metadata_field_and_nul_bytes_get_clear_400s(auth, media_root):
    wheel = make_wheel("demo", "1.0")
    for field, value in (("summary", "x" * (10 * 1024 * 1024)), ("name", "de\x00mo"), ("version", "1.0\x00")):
        form = {**upload_form(wheel), field: value}
        response = Client().post("/legacy/", {**form, "content": wheel.upload()}, HTTP_AUTHORIZATION=auth)
        assert response.status_code == 400, (field, response.content[:200])
        assert response.content.strip()


def test_non_utf8_form_bytes_get_a_clear_answer(auth, media_root):
    wheel = make_wheel("demo", "1.0")
    boundary = "hostileboundary"
    parts = []
    for key, value in {**upload_form(wheel), "summary": None}.items():
        raw = b"\xff\xfe\x80 not utf-8" if value is None else value.encode()
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode() + raw + b"\r\n")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{wheel.filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode() + wheel.data + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = Client().generic(
        "POST", "/legacy/", body, content_type=f"multipart/form-data; boundary={boundary}", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code in (200, 400), response.content[:300]
    assert b"Traceback" not in response.content


def _sdist_with(member_setup, name="demo", version="1.0"):
    import io
    import tarfile

    from tests.packages.distributions import Dist, metadata_text

    buffer = io.BytesIO()
    top = f"{name}-{version}"
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        pkg_info = metadata_text(name, version)
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
        member_setup(archive, top)
    return Dist(f"{top}.tar.gz", buffer.getvalue(), pkg_info, "sdist", name, version)


def _tar_member(name, kind, **attrs):
    import tarfile

    def setup(archive, top):
        info = tarfile.TarInfo(name.format(top=top))
        info.type = kind
        for key, value in attrs.items():
            setattr(info, key, value)
        archive.addfile(info)

    return setup


@pytest.mark.parametrize(
    "setup, message",
    [
        (_tar_member("{top}/link", b"2", linkname="/etc/passwd"), "is a link or special file"),
        (_tar_member("{top}/hard", b"1", linkname="{top}/PKG-INFO"), "is a link or special file"),
        (_tar_member("{top}/tty", b"3", devmajor=4, devminor=1), "is a link or special file"),
        (_tar_member("{top}/fifo", b"6"), "is a link or special file"),
        (_tar_member("{top}/../../escape", b"0"), "Unsafe path"),
        (_tar_member("/abs/path", b"0"), "Unsafe path"),
    ],
)
def test_hostile_tarball_members_are_refused_with_a_clear_400(auth, media_root, setup, message):
    sdist = _sdist_with(setup)
    response = Client().post("/legacy/", {**upload_form(sdist), "content": sdist.upload()}, HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400 and message in response.reason_phrase, response.reason_phrase
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_zip_bomb_and_unsafe_zip_paths_are_refused(auth, media_root):
    import io
    import zipfile

    from tests.packages.distributions import Dist

    wheel = make_wheel("demo", "1.0")
    for extra, message in (("bomb", "compression ratio"), ("../evil.py", "Unsafe path"), ("/abs.py", "Unsafe path")):
        buffer = io.BytesIO(wheel.data)
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(extra, b"\0" * (65 * 1024 * 1024) if extra == "bomb" else b"x")
        dist = Dist(wheel.filename, buffer.getvalue(), wheel.metadata, "bdist_wheel", "demo", "1.0")
        response = Client().post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=auth)
        assert response.status_code == 400 and message in response.reason_phrase, response.reason_phrase
