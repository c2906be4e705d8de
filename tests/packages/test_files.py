"""Distribution files and their PEP 658 metadata, as installers download them."""

import pytest

from packages.models import Project
from tests.packages.factories import FileFactory

CONTENT = bytes(range(256)) * 40  # 10240 bytes
METADATA = b"Metadata-Version: 2.1\r\nName: demo\r\nVersion: 1.0\r\n\r\nbody \xc3\xa9\n"


@pytest.fixture
def stored(db, media_root):
    return FileFactory(release__project__name="demo", content=CONTENT, metadata=METADATA, stored=True)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_get_streams_the_exact_bytes_with_headers(client, stored):
    response = client.get(f"/files/{stored.path}")

    assert response.status_code == 200
    assert body(response) == CONTENT
    assert response.headers["Content-Length"] == str(len(CONTENT))
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["ETag"] == f'"{stored.sha256_digest}"'
    assert response.headers["Accept-Ranges"] == "bytes"


def test_head_gives_headers_without_body(client, stored):
    response = client.head(f"/files/{stored.path}")

    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(CONTENT))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert body(response) == b""


@pytest.mark.parametrize(
    "header, start, end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-22", 10218, 10239),
        ("bytes=10200-99999", 10200, 10239),
    ],
)
def test_single_range_is_answered_206(client, stored, header, start, end):
    response = client.get(f"/files/{stored.path}", HTTP_RANGE=header)

    assert response.status_code == 206
    assert body(response) == CONTENT[start : end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(CONTENT)}"
    assert response.headers["Content-Length"] == str(end - start + 1)


def test_head_with_range_reports_the_part(client, stored):
    response = client.head(f"/files/{stored.path}", HTTP_RANGE="bytes=-100")

    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 10140-10239/{len(CONTENT)}"
    assert response.headers["Content-Length"] == "100"


def test_range_beyond_the_end_is_416(client, stored):
    response = client.get(f"/files/{stored.path}", HTTP_RANGE="bytes=20000-")

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(CONTENT)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "lines=1-2", "bytes=abc", "bytes=9-3"])
def test_unsupported_or_malformed_ranges_get_the_whole_file(client, stored, header):
    response = client.get(f"/files/{stored.path}", HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_if_range_with_another_etag_gets_the_whole_file(client, stored):
    response = client.get(f"/files/{stored.path}", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_conditional_get_is_304(client, stored):
    response = client.get(f"/files/{stored.path}", HTTP_IF_NONE_MATCH=f'"{stored.sha256_digest}"')

    assert response.status_code == 304
    assert body(response) == b""


def test_metadata_file_is_byte_identical(client, stored):
    response = client.get(f"/files/{stored.path}.metadata")

    assert response.status_code == 200
    assert body(response) == METADATA
    assert response.headers["ETag"] == f'"{stored.metadata_sha256}"'
    assert response.headers["Content-Length"] == str(len(METADATA))


def test_no_metadata_file_unless_advertised(client, db, media_root):
    sdist = FileFactory(filename="demo-1.0.tar.gz", packagetype="sdist", stored=True)

    assert client.get(f"/files/{sdist.path}").status_code == 200
    assert client.get(f"/files/{sdist.path}.metadata").status_code == 404


def test_quarantined_project_files_are_not_served(client, stored):
    Project.objects.filter(normalized_name="demo").update(status=Project.Status.QUARANTINED)

    assert client.get(f"/files/{stored.path}").status_code == 404
    assert client.get(f"/files/{stored.path}.metadata").status_code == 404


@pytest.mark.parametrize("path", ["ab/cd/ef/nothing.whl", "../../etc/passwd", "x.metadata"])
def test_unknown_paths_are_404_and_never_read_storage(client, stored, path):
    response = client.get(f"/files/{path}")

    assert response.status_code == 404


def test_row_without_bytes_is_404_not_500(client, db, media_root):
    ghost = FileFactory(stored=False)

    assert client.get(f"/files/{ghost.path}").status_code == 404
