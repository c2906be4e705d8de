"""Hostile archives: refused with their own message, before they cost a worker memory.

The memory tests run the upload's archive check in a fresh interpreter and
compare its peak RSS (the high-water mark) before and after; the budget is
64 MB for any file up to the upload size limit.
"""

import gzip
import io
import struct
import tarfile
import zipfile

import pytest

from packages.errors import InvalidUpload
from packages.models import File, Project
from packages.upload.checks import archives, files
from packages.upload.checks.archives import limits
from tests.packages.distributions import make_wheel, metadata_text, upload_form
from tests.packages.hostile_archives import (
    CENTRAL,
    MB,
    Member,
    gnu_long_name_bomb,
    pax_bomb,
    pax_chain,
    peak_memory_rise,
    raw_zip,
    sdist_of_many,
    wheel_members,
    zip_of_many,
)
from tests.tokens.factories import basic_auth_header, make_token

BUDGET = 64 * MB
WHEEL = "demo-1.0-py3-none-any.whl"
SDIST = "demo-1.0.tar.gz"


def zip_refusal(reason):
    return (
        f"Invalid distribution file. ZIP archive not accepted: {reason}. "
        "See http://localhost:8000/help/#archives for more information."
    )


def check_wheel(data):
    """The METADATA the upload would read, or the refusal's message."""
    dist = files.parse_dist_filename(WHEEL, filetype="bdist_wheel")
    try:
        return archives.wheel_metadata(io.BytesIO(data), filename=WHEEL, dist=dist, size=len(data))
    except InvalidUpload as error:
        return error.message


def check_sdist(path):
    with open(path, "rb") as fileobj:
        try:
            return archives.sdist_metadata(fileobj, filename=SDIST, size=path.stat().st_size)
        except InvalidUpload as error:
            return error.message


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    return {
        "pax": pax_bomb(root / "pax.tar.gz"),
        "gnu": gnu_long_name_bomb(root / "gnu.tar.gz"),
        "million": zip_of_many(root / "million.whl", 1_000_000),
    }


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://localhost:8000"


# --- memory: the bombs are refused by their headers, before what they announce is read ---


@pytest.mark.parametrize(
    "item, kind, filename, message",
    [
        (
            "pax",
            "sdist",
            SDIST,
            "Invalid distribution file. The sdist has a PAX extended header of 419,430,400 bytes; "
            "at most 65,536 bytes are allowed.",
        ),
        (
            "gnu",
            "sdist",
            SDIST,
            "Invalid distribution file. The sdist has a GNU long name of 419,430,400 bytes; "
            "at most 65,536 bytes are allowed.",
        ),
        ("million", "wheel", WHEEL, zip_refusal("Too many files (1,000,000; at most 50,000)")),
    ],
)
def test_bomb_is_refused_within_the_memory_budget(corpus, item, kind, filename, message):
    path = corpus[item]
    assert path.stat().st_size < 100 * MB  # under the upload size limit

    refusal, rise = peak_memory_rise(kind, path, filename)

    assert refusal == message
    assert rise < BUDGET, f"peak memory rose by {rise / MB:.0f} MB"


def test_largest_wheel_the_limits_allow_fits_the_memory_budget(tmp_path):
    """50,000 files with long names (a central directory near 8 MB) is accepted, and costs under 64 MB."""
    path = tmp_path / WHEEL
    padding = "p" * 100
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", metadata_text("demo", "1.0"))
        archive.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        for i in range(limits.MEMBERS_MAX - 2):
            archive.writestr(f"demo/{padding}/{i:06d}.py", b"")

    refusal, rise = peak_memory_rise("wheel", path, WHEEL)

    assert refusal is None
    assert rise < BUDGET, f"peak memory rose by {rise / MB:.0f} MB"


def test_largest_sdist_the_limits_allow_fits_the_memory_budget(tmp_path):
    path = sdist_of_many(tmp_path / SDIST, limits.MEMBERS_MAX - 1)

    refusal, rise = peak_memory_rise("sdist", path, SDIST)

    assert refusal is None
    assert rise < BUDGET, f"peak memory rose by {rise / MB:.0f} MB"


def test_sdist_with_too_many_files(tmp_path):
    path = sdist_of_many(tmp_path / SDIST, limits.MEMBERS_MAX)

    assert check_sdist(path) == (
        "Invalid distribution file. The sdist has more than 50,000 files; that is more than any package needs."
    )


# --- tar headers ---


def test_a_short_run_of_pax_headers_is_read(tmp_path):
    # Two headers before one member (as GNU tar writes for a long name and a long link) are fine:
    # the check goes on to the missing PKG-INFO.
    assert check_sdist(pax_chain(tmp_path / SDIST, 2)) == (
        "Invalid distribution file. The sdist 'demo-1.0.tar.gz' has no PKG-INFO file in its top-level directory."
    )


def test_a_long_run_of_pax_headers_is_refused(tmp_path):
    # Today's tarfile recurses once per header: a long run ends in a RecursionError (a 500).
    assert check_sdist(pax_chain(tmp_path / SDIST, 5000)) == (
        "Invalid distribution file. The sdist has more than 4 extended headers in a row."
    )


def test_global_pax_headers_are_limited_in_all(tmp_path):
    path = tmp_path / SDIST
    with gzip.open(path, "wb") as out:
        for i in range(3):
            body = f"comment{i}=" + "x" * 30_000 + "\n"
            record = f"{len(body) + 6} {body}".encode()  # the length counts its own five digits and the space
            info = tarfile.TarInfo("pax_global_header")
            info.type = tarfile.XGLTYPE
            info.size = len(record)
            out.write(info.tobuf(tarfile.USTAR_FORMAT))
            out.write(record + bytes(-len(record) % 512))
        out.write(bytes(1024))

    assert check_sdist(path) == (
        "Invalid distribution file. The sdist's PAX global headers are more than 65,536 bytes in all."
    )


def test_sparse_files_are_refused(tmp_path):
    path = tmp_path / SDIST
    info = tarfile.TarInfo("demo-1.0/holes")
    info.type = tarfile.GNUTYPE_SPARSE
    with gzip.open(path, "wb") as out:
        out.write(info.tobuf(tarfile.GNU_FORMAT))
        out.write(bytes(1024))

    assert check_sdist(path) == (
        "Invalid distribution file. The sdist contains a sparse file ('demo-1.0/holes'); sparse files are not allowed."
    )


# --- ZIP records: the central directory and the local headers tell one story ---


def test_a_wheel_written_record_by_record_is_accepted():
    assert check_wheel(raw_zip(wheel_members())) == metadata_text("demo", "1.0")


def test_wheels_of_zipfile_are_accepted():
    wheel = make_wheel("demo", "1.0", files={"demo/data.bin": bytes(10_000)})
    assert check_wheel(wheel.data) == wheel.metadata


def _with(index, **changes):
    members = wheel_members()
    for key, value in changes.items():
        setattr(members[index], key, value)
    return members


def _cd_extra(length):
    return struct.pack("<HH", 0xCAFE, length) + bytes(length)


def _unicode_path(name):
    return struct.pack("<HHB", 0x7075, 5 + len(name), 1) + struct.pack("<I", 0) + name


CONFUSION = [
    ("duplicate-name", lambda: raw_zip([*wheel_members(), Member(b"demo/__init__.py", b"evil")]),
     "Duplicate filename in central directory"),
    ("local-name-elsewhere", lambda: raw_zip(_with(0, local_name=b"demo/evil.py")), "Filename not in central directory"),
    ("local-name-of-another", lambda: raw_zip(_with(0, local_name=b"demo-1.0.dist-info/RECORD")),
     "Duplicate filename in local headers"),
    ("local-compressed-size", lambda: raw_zip(_with(0, local_compressed_size=5)), "Mis-matched data size"),
    ("local-size", lambda: raw_zip(_with(0, local_size=5)), "Mis-matched file size"),
    ("local-method", lambda: raw_zip(_with(0, local_method=8)), "Mis-matched compression method"),
    ("prepended", lambda: raw_zip(wheel_members(), prepend=b"#!/bin/sh\nexit 0\n"), "Leading data"),
    ("between", lambda: raw_zip(wheel_members(), between=b"\0" * 16), "Data between files"),
    ("appended", lambda: raw_zip(wheel_members(), append=raw_zip([Member(b"evil.py", b"x")])), "Trailing data"),
    ("comment-hides-archive", lambda: raw_zip(wheel_members(), comment=raw_zip([Member(b"evil.py", b"x")])),
     "Comment in archive"),
    ("member-comment", lambda: raw_zip(_with(0, cd_comment=b"hello")), "Comment in central directory"),
    ("data-descriptor", lambda: raw_zip(_with(0, flags=0x08)), "ZIP contains a data descriptor"),
    ("overlapping-shared-header", lambda: raw_zip([*wheel_members(), Member(b"demo/evil.py", b"", offset=0)]),
     "Overlapping files"),
    ("overlapping-inside-data", lambda: raw_zip(_with(2, offset=60)), "Overlapping files"),
    ("extra-field-too-large", lambda: raw_zip(_with(0, cd_extra=_cd_extra(4000))),
     "Extra field too large (4,004 bytes; at most 1,024)"),
    ("unicode-path-differs", lambda: raw_zip(_with(0, cd_extra=_unicode_path(b"demo/evil.py"))),
     "Filename differs in the Unicode path extra field"),
    ("control-character", lambda: raw_zip([*wheel_members(), Member(b"demo/a\x07.py", b"")]),
     "Invalid character in filename"),
]


@pytest.mark.parametrize("make, reason", [c[1:] for c in CONFUSION], ids=[c[0] for c in CONFUSION])
def test_zip_confusion_is_refused(make, reason):
    assert check_wheel(make()) == zip_refusal(reason)


def test_directory_that_lies_about_its_record_count():
    data = bytearray(raw_zip(wheel_members()))
    # The end record says 3 files; the directory holds 4.
    end = len(data) - 22
    data[end + 8 : end + 12] = struct.pack("<HH", 3, 3)
    assert check_wheel(bytes(data)) == zip_refusal("Mismatched central directory records")


def test_directory_larger_than_the_limit(tmp_path):
    # Few records claimed, a 9 MB directory: refused from the end record, before the directory is read.
    record = CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0) + b"m/000000"
    directory = record * (9 * MB // len(record))
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 10, 10, len(directory), 0, 0)
    assert check_wheel(directory + end) == zip_refusal(
        f"Central directory too large ({len(directory):,} bytes; at most 8,388,608)"
    )


# --- through the upload API: a 400 with the message, nothing stored ---


def _post(client, auth, *, filename, data, filetype):
    from tests.packages.distributions import Dist

    dist = Dist(filename, data, b"", filetype, "demo", "1.0")
    return client.post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=auth)


@pytest.mark.django_db
def test_upload_of_a_pax_bomb_is_refused(client, uploader, media_root, corpus):
    auth = basic_auth_header(make_token(uploader)[1])

    response = _post(client, auth, filename=SDIST, data=corpus["pax"].read_bytes(), filetype="sdist")

    message = (
        "Invalid distribution file. The sdist has a PAX extended header of 419,430,400 bytes; "
        "at most 65,536 bytes are allowed."
    )
    assert (response.status_code, response.reason_phrase) == (400, message)
    assert response.content.decode().strip() == message
    assert not Project.objects.exists() and not File.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_upload_of_a_confusing_wheel_is_refused(client, uploader, media_root):
    auth = basic_auth_header(make_token(uploader)[1])

    response = _post(client, auth, filename=WHEEL, data=raw_zip(_with(0, local_name=b"demo/evil.py")),
                     filetype="bdist_wheel")

    assert response.status_code == 400
    assert response.reason_phrase == zip_refusal("Filename not in central directory")
    assert not File.objects.exists()


def test_a_bomb_hidden_in_a_member_named_dot_is_still_measured(tmp_path):
    path = tmp_path / SDIST
    with gzip.open(path, "wb") as out:
        info = tarfile.TarInfo(".")
        info.size = 70 * MB
        out.write(info.tobuf(tarfile.USTAR_FORMAT))
        zeros = bytes(MB)
        for _ in range(70):
            out.write(zeros)
        out.write(bytes(1024))

    assert check_sdist(path) == "Invalid distribution file. File exceeds the allowed compression ratio (a zip bomb?)."
