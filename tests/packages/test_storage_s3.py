"""FILE_STORAGE=s3 end to end, against moto's S3 server on loopback (tests/packages/conftest.py).

Uploads go through /legacy/, downloads through /files/ and the bucket's own
(signed) URLs, removals and the orphan sweep through their services and
command; the bucket is checked with boto3, past the storage backend.
"""

import hashlib
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from django.core.management import call_command
from django.db import OperationalError
from storages.backends.s3 import S3Storage

from packages import services, storage
from packages.models import File
from tests.packages.conftest import fetch
from tests.packages.distributions import make_sdist, make_wheel, upload_form

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def upload(client, dist, auth, content_type="application/octet-stream", **overrides):
    return client.post(
        "/legacy/",
        {**upload_form(dist, **overrides), "content": dist.upload(content_type=content_type)},
        HTTP_AUTHORIZATION=auth,
    )


def path_of(dist):
    return storage.file_path(blake2_256=dist.blake2_256, filename=dist.filename)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def nothing_local(media_root):
    return not any(p.is_file() for p in media_root.rglob("*"))


def follow_to_bucket(client, bucket, url):
    """GET a /files/ URL from the site: it must redirect into the bucket; return what the bucket sends."""
    response = client.get(url)
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith(f"{bucket.endpoint_url}/{bucket.name}/{bucket.prefix}/"), location
    assert response["Cache-Control"] == "max-age=300, public"
    return fetch(location)


def test_the_s3_settings_serve_files_by_redirect(s3_storage):
    assert s3_storage.storage_settings["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3_storage.file_serve == "redirect"


def test_an_upload_stores_the_wheel_and_its_metadata_in_the_bucket(client, auth, s3_storage, media_root):
    wheel = make_wheel("demo", "1.0")
    response = upload(client, wheel, auth)
    assert response.status_code == 200, response.content

    path = path_of(wheel)
    assert s3_storage.keys() == [s3_storage.key(path), s3_storage.key(path + ".metadata")]
    stored = s3_storage.get(path)
    assert stored == wheel.data and sha256(stored) == wheel.sha256
    metadata = s3_storage.get(path + ".metadata")
    assert metadata == wheel.metadata
    file = File.objects.get()
    assert (file.path, file.sha256_digest, file.metadata_sha256) == (path, wheel.sha256, sha256(metadata))
    assert nothing_local(media_root)


def test_the_simple_page_links_redirect_to_the_exact_bytes_in_the_bucket(client, auth, s3_storage):
    wheel = make_wheel("demo", "1.0")
    assert upload(client, wheel, auth).status_code == 200

    page = client.get("/simple/demo/")
    assert page.status_code == 200
    assert f"#sha256={wheel.sha256}" in page.content.decode()
    document = client.get("/simple/demo/", HTTP_ACCEPT=SIMPLE_JSON).json()
    (entry,) = document["files"]
    assert entry["filename"] == wheel.filename and entry["hashes"] == {"sha256": wheel.sha256}
    assert entry["core-metadata"] == {"sha256": sha256(wheel.metadata)}
    url = urlsplit(entry["url"]).path
    assert url == f"/files/{path_of(wheel)}"

    status, headers, body = follow_to_bucket(client, s3_storage, url)
    assert status == 200 and body == wheel.data and sha256(body) == wheel.sha256
    status, headers, body = follow_to_bucket(client, s3_storage, url + ".metadata")
    assert status == 200 and body == wheel.metadata


def test_with_file_serve_stream_the_site_streams_the_bytes_from_the_bucket(client, auth, s3_storage, settings):
    settings.FILE_SERVE = "stream"
    wheel = make_wheel("demo", "1.0")
    assert upload(client, wheel, auth).status_code == 200
    url = f"/files/{path_of(wheel)}"

    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == wheel.data
    response = client.get(url + ".metadata")
    assert response.status_code == 200 and b"".join(response.streaming_content) == wheel.metadata
    response = client.get(url, HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206 and b"".join(response.streaming_content) == wheel.data[10:20]


def test_a_conditional_request_is_answered_by_the_site_without_a_redirect(client, auth, s3_storage):
    wheel = make_wheel("demo", "1.0")
    assert upload(client, wheel, auth).status_code == 200
    response = client.get(f"/files/{path_of(wheel)}", HTTP_IF_NONE_MATCH=f'"{wheel.sha256}"')
    assert response.status_code == 304


def test_an_sdist_comes_back_from_the_bucket_as_the_gzip_file_it_is(client, auth, s3_storage):
    # A bucket object marked "Content-Encoding: gzip" is unpacked by browsers and most HTTP
    # libraries on the way: the user gets a .tar whose hash matches nothing. The client's own
    # Content-Type for the part (here an HTML one) must not reach the bucket either.
    sdist = make_sdist("demo", "1.0")
    assert upload(client, sdist, auth, content_type="text/html").status_code == 200

    status, headers, body = follow_to_bucket(client, s3_storage, f"/files/{path_of(sdist)}")
    assert status == 200 and body == sdist.data
    assert headers.get("Content-Encoding") is None
    assert headers["Content-Type"] == "application/octet-stream"


def test_a_refused_upload_leaves_nothing_in_the_bucket(client, auth, s3_storage, media_root):
    wheel = make_wheel("demo", "1.0")
    response = upload(client, wheel, auth, sha256_digest="0" * 64)
    assert response.status_code == 400
    assert s3_storage.keys() == []
    assert File.objects.count() == 0


def test_a_database_failure_after_the_bytes_reached_the_bucket_removes_them(client, auth, s3_storage, monkeypatch):
    real = storage.store_bytes
    written = []

    def then_database_fails(**kwargs):
        real(**kwargs)  # the METADATA object is the last write, after the distribution file
        written.extend(s3_storage.keys())
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(storage, "store_bytes", then_database_fails)
    wheel = make_wheel("demo", "1.0")
    response = upload(client, wheel, auth)
    assert response.status_code == 503 and "nothing was kept" in response.reason_phrase
    assert len(written) == 2  # both objects really were in the bucket
    assert s3_storage.keys() == []
    assert File.objects.count() == 0


def test_removing_a_file_deletes_its_objects_once_the_removal_commits(
    client, auth, uploader, s3_storage, django_capture_on_commit_callbacks
):
    wheel = make_wheel("demo", "1.0")
    assert upload(client, wheel, auth).status_code == 200
    path = path_of(wheel)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.file_remove(user=uploader, file=File.objects.get())
        # Until the transaction commits, a rollback must still find the bytes.
        assert s3_storage.keys() == [s3_storage.key(path), s3_storage.key(path + ".metadata")]
    for callback in callbacks:
        callback()

    assert s3_storage.keys() == []
    assert client.get(f"/files/{path}").status_code == 404
    assert client.get(f"/files/{path}.metadata").status_code == 404


def test_the_sweeper_removes_old_orphans_from_the_bucket_and_keeps_the_rest(client, auth, s3_storage):
    wheel = make_wheel("demo", "1.0")
    assert upload(client, wheel, auth).status_code == 200
    real = path_of(wheel)
    s3_storage.put("aa/bb/cc/orphan-1.0.tar.gz", b"left by a killed upload")
    s3_storage.put("aa/bb/cc/orphan-1.0.tar.gz.metadata", b"Metadata-Version: 2.1\n")
    s3_storage.put("aa/bb/dd/fresh-1.0.tar.gz", b"an upload in progress")
    for path in (real, real + ".metadata", "aa/bb/cc/orphan-1.0.tar.gz", "aa/bb/cc/orphan-1.0.tar.gz.metadata"):
        s3_storage.backdate(path, timedelta(hours=3))

    out = StringIO()
    call_command("sweep_orphan_files", "--dry-run", stdout=out)
    assert "orphan: aa/bb/cc/orphan-1.0.tar.gz\n" in out.getvalue()
    assert "orphan: aa/bb/cc/orphan-1.0.tar.gz.metadata\n" in out.getvalue()
    assert "2 orphaned files found." in out.getvalue()
    assert len(s3_storage.keys()) == 5

    out = StringIO()
    call_command("sweep_orphan_files", stdout=out)
    assert "2 orphaned files deleted." in out.getvalue()
    assert s3_storage.keys() == sorted(
        s3_storage.key(path) for path in (real, real + ".metadata", "aa/bb/dd/fresh-1.0.tar.gz")
    )
    status, headers, body = follow_to_bucket(client, s3_storage, f"/files/{real}")
    assert body == wheel.data


def test_the_sweeper_keeps_an_object_whose_age_it_cannot_read(db, s3_storage, monkeypatch):
    s3_storage.put("aa/bb/ee/uploading-1.0.tar.gz", b"x")
    s3_storage.backdate("aa/bb/ee/uploading-1.0.tar.gz", timedelta(hours=3))

    def no_age(self, name):
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")

    monkeypatch.setattr(S3Storage, "get_modified_time", no_age)
    out = StringIO()
    call_command("sweep_orphan_files", stdout=out, stderr=StringIO())
    assert s3_storage.keys() == [s3_storage.key("aa/bb/ee/uploading-1.0.tar.gz")]
    assert "1 unreferenced file kept: age unknown." in out.getvalue()


def test_the_sweeper_passes_over_an_object_removed_while_it_runs(db, s3_storage, monkeypatch):
    # A file removal (or a second sweep) may delete an object between the listing and reading its age.
    s3_storage.put("aa/bb/ff/removed-1.0.tar.gz", b"x")
    s3_storage.put("aa/bb/gg/orphan-1.0.tar.gz", b"y")
    s3_storage.backdate("aa/bb/gg/orphan-1.0.tar.gz", timedelta(hours=3))
    real_age = S3Storage.get_modified_time

    def removed_meanwhile(self, name):
        if name == "aa/bb/ff/removed-1.0.tar.gz":
            s3_storage.client.delete_object(Bucket=s3_storage.name, Key=s3_storage.key(name))
        return real_age(self, name)

    monkeypatch.setattr(S3Storage, "get_modified_time", removed_meanwhile)
    out = StringIO()
    call_command("sweep_orphan_files", stdout=out, stderr=StringIO())
    assert "1 orphaned file deleted." in out.getvalue()
    assert "age unknown" not in out.getvalue()
    assert s3_storage.keys() == []
