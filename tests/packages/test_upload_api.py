"""The /legacy/ endpoint as upload clients use it: multipart posts, Basic auth, reason phrases."""


from packages.models import File, FilenameRegistry, JournalEntry, Project, Release
from tests.packages.distributions import make_sdist, make_wheel, upload_form
from tests.tokens.factories import basic_auth_header

PASSWORD_REFUSED = (
    "Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead."
)


def post(client, dist, auth, form=None, content=None, **overrides):
    form = form if form is not None else upload_form(dist, **overrides)
    return client.post(
        "/legacy/",
        {**form, "content": content if content is not None else dist.upload()},
        HTTP_AUTHORIZATION=auth,
    )


def nothing_stored(root):
    return not any(p.is_file() for p in root.rglob("*"))


def assert_refused(response, status, message):
    assert response.status_code == status
    assert response.reason_phrase == message
    assert response.content.decode().strip() == message
    assert response["Content-Type"].startswith("text/plain")


def assert_nothing_new(root):
    assert (Project.objects.count(), Release.objects.count(), File.objects.count()) == (0, 0, 0)
    assert FilenameRegistry.objects.count() == 0 and JournalEntry.objects.count() == 0
    assert nothing_stored(root)


def test_twine_style_upload_succeeds(client, auth, media_root):
    wheel = make_wheel("demo", "1.0")
    response = post(client, wheel, auth)
    assert response.status_code == 200, response.content
    assert File.objects.get().filename == wheel.filename


def test_uv_style_upload_with_empty_fields_and_untyped_content(client, auth, media_root):
    sdist = make_sdist("demo", "1.0")
    form = upload_form(sdist, description="", license="", author_email="", home_page="")
    # uv sends the file part with no Content-Type header at all.
    boundary = "uvboundary"
    parts = []
    for key, value in form.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{sdist.filename}"\r\n\r\n'.encode()
        + sdist.data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    response = client.generic(
        "POST", "/legacy/", b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_AUTHORIZATION=auth,
    )
    assert response.status_code == 200, response.content
    assert File.objects.get().packagetype == "sdist"


def test_older_twine_with_md5_digest_only(client, auth, media_root):
    wheel = make_wheel("demo", "1.0")
    response = post(client, wheel, auth, sha256_digest=None, blake2_256_digest=None, md5_digest=wheel.md5)
    assert response.status_code == 200


def test_identical_reupload_answers_200(client, auth, media_root):
    wheel = make_wheel("demo", "1.0")
    assert post(client, wheel, auth).status_code == 200
    serial = Project.objects.get().last_serial
    response = post(client, wheel, auth)
    assert response.status_code == 200
    assert File.objects.count() == 1 and Project.objects.get().last_serial == serial


def test_password_upload_is_refused(client, uploader, media_root):
    response = post(client, make_wheel("demo", "1.0"), basic_auth_header("secret-password", username=uploader.username))
    assert_refused(response, 403, PASSWORD_REFUSED)
    assert_nothing_new(media_root)


def test_no_credentials_is_refused(client, media_root, db):
    response = client.post("/legacy/", upload_form(make_wheel("demo", "1.0")))
    assert_refused(response, 403, "Invalid or non-existent authentication information.")


def test_revoked_or_wrong_token_is_refused_with_403(client, media_root, db):
    response = post(client, make_wheel("demo", "1.0"), basic_auth_header("pypi-0000000000000000_nope"))
    assert response.status_code == 403
    assert response.reason_phrase == response.content.decode().strip()
    assert_nothing_new(media_root)


def test_not_multipart_is_a_400_not_a_500(client, auth, db):
    response = client.post("/legacy/", b"garbage", content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400
    response = client.generic(
        "POST", "/legacy/", b"--x\r\nbroken", content_type="multipart/form-data; boundary=x", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code in (200, 400)
    assert response.status_code == 400


def test_streaming_limit_refuses_oversize_file(client, auth, media_root, settings):
    settings.FILE_UPLOAD_LIMIT = 1024
    big = make_wheel("demo", "1.0", files={"demo/blob.bin": bytes(range(256)) * 400})
    assert len(big.data) > 1024
    response = post(client, big, auth)
    assert_refused(response, 400, "File too large. Limit for project 'demo' is 1024 bytes.")
    assert_nothing_new(media_root)


def test_an_upload_makes_a_bounded_number_of_database_queries(client, auth, media_root, settings):
    """Checks before the lock, what can have changed checked again under it, then batched writes:
    16 queries for a new release's first file, 14 for a further wheel, 15 for its sdist, whatever
    the number of projects or files."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # as Redis: no SQL
    post(client, make_wheel("demo", "0.9"), auth)
    counts = []
    for dist in (make_wheel("demo", "1.0"), make_wheel("demo", "1.0", tag="py2-none-any"), make_sdist("demo", "1.0")):
        with CaptureQueriesContext(connection) as queries:
            assert post(client, dist, auth).status_code == 200
        # Not counted: savepoints, and the rate limits' own counters (in Redis in production, like the cache).
        counts.append(
            sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"] and "ratelimitcounter" not in q["sql"])
        )
    assert counts[0] <= 16 and counts[1] <= 14 and counts[2] <= 15, counts
    assert File.objects.filter(release__version="1.0").count() == 3
