"""A corpus of hostile archives, built by the tests themselves, and a meter for what checking one costs.

Builders write to a path (the big ones stream, so building costs little memory):

    pax_bomb(path)             an sdist whose first header claims a 400 MB PAX extended header
    gnu_long_name_bomb(path)   the same with a GNU long-name ('L') header
    zip_of_many(path, n)       a "wheel" of n central-directory records and nothing else
    raw_zip(members, ...)      a zip written record by record, with knobs to make its two views disagree

`peak_memory_rise(kind, path, filename)` runs the upload's archive check on the
file in a fresh interpreter and answers (message or None, rise of peak RSS in
bytes), measured as the high-water mark before and after the check.
"""

import gzip
import json
import os
import struct
import subprocess
import sys
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests.packages.distributions import metadata_text

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def _tar_header(name, *, type, size):
    info = tarfile.TarInfo(name)
    info.type = type
    info.size = size
    return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")


def _write_filler(out, count, byte=b"a"):
    chunk = byte * MB
    for _ in range(count // MB):
        out.write(chunk)
    out.write(byte * (count % MB))


def _sdist_members(out, top="demo-1.0"):
    metadata = metadata_text("demo", "1.0")
    out.write(_tar_header(f"{top}/PKG-INFO", type=tarfile.REGTYPE, size=len(metadata)))
    out.write(metadata + bytes(-len(metadata) % 512))
    out.write(bytes(1024))


def pax_bomb(path, claimed=400 * MB):
    """A valid sdist of about 400 KB whose first PAX extended header is `claimed` bytes (one long comment)."""
    prefix = b" comment="
    digits = len(str(claimed))
    record_head = str(claimed).encode() + prefix
    assert digits + len(prefix) < claimed
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(_tar_header("././@PaxHeader", type=tarfile.XHDTYPE, size=claimed))
        out.write(record_head)
        _write_filler(out, claimed - len(record_head) - 1)
        out.write(b"\n" + bytes(-claimed % 512))
        _sdist_members(out)
    return path


def gnu_long_name_bomb(path, claimed=400 * MB):
    """A valid sdist whose GNU long-name ('L') header carries a name of `claimed` bytes."""
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(_tar_header("././@LongLink", type=tarfile.GNUTYPE_LONGNAME, size=claimed))
        out.write(b"demo-1.0/")
        _write_filler(out, claimed - 10)
        out.write(b"\0" + bytes(-claimed % 512))
        out.write(_tar_header("demo-1.0/long", type=tarfile.REGTYPE, size=0))
        _sdist_members(out)
    return path


def pax_chain(path, links):
    """An sdist that starts with `links` PAX headers in a row, each naming the next member."""
    with gzip.open(path, "wb") as out:
        record = b"22 path=demo-1.0/abcd\n"
        block = record + bytes(512 - len(record))
        for _ in range(links):
            out.write(_tar_header("././@PaxHeader", type=tarfile.XHDTYPE, size=len(record)))
            out.write(block)
        out.write(_tar_header("demo-1.0/abcd", type=tarfile.REGTYPE, size=0))
        out.write(bytes(1024))
    return path


def sdist_of_many(path, n):
    """A gzip tar of one top-level directory holding `n` empty files (and a PKG-INFO)."""
    metadata = metadata_text("demo", "1.0")
    with gzip.open(path, "wb") as out:
        out.write(_tar_header("demo-1.0/PKG-INFO", type=tarfile.REGTYPE, size=len(metadata)))
        out.write(metadata + bytes(-len(metadata) % 512))
        for i in range(n):
            out.write(_tar_header(f"demo-1.0/m/{i:07d}", type=tarfile.REGTYPE, size=0))
        out.write(bytes(1024))
    return path


# ZIP records (APPNOTE.TXT 4.3): little-endian, each opening with its signature.
LOCAL = struct.Struct("<4sHHHHHIIIHH")
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
END = struct.Struct("<4sHHHHIIH")
END64 = struct.Struct("<4sQHHIIQQQQ")
END64_LOCATOR = struct.Struct("<4sIQI")


def _end_records(*, count, cd_size, cd_offset, comment=b"", zip64=False):
    if not zip64:
        return END.pack(b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, len(comment)) + comment
    end64_offset = cd_offset + cd_size
    return (
        END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset)
        + END64_LOCATOR.pack(b"PK\x06\x07", 0, end64_offset, 1)
        + END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, len(comment))
        + comment
    )


def zip_of_many(path, n):
    """A zip whose central directory lists `n` files with no data at all (54 bytes each), written in chunks."""
    cd_size = 0
    with open(path, "wb") as out:
        for start in range(0, n, 10_000):
            chunk = b"".join(
                CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0) + b"m/%06d" % i
                for i in range(start, min(n, start + 10_000))
            )
            out.write(chunk)
            cd_size += len(chunk)
        out.write(_end_records(count=n, cd_size=cd_size, cd_offset=0, zip64=n > 0xFFFF))
    return path


@dataclass
class Member:
    """One file of a raw zip, stored uncompressed. The `local_*` fields make the local header disagree."""

    name: bytes
    data: bytes = b""
    flags: int = 0
    local_name: bytes = None
    local_method: int = None
    local_compressed_size: int = None
    local_size: int = None
    cd_extra: bytes = b""
    cd_comment: bytes = b""
    offset: int = None  # where the central directory says the local header is (None: where it is)


def raw_zip(members, *, prepend=b"", between=b"", append=b"", comment=b""):
    """A zip written record by record: local headers and data, the central directory, the end record."""
    body = bytearray(prepend)
    directory = bytearray()
    for index, member in enumerate(members):
        if index:
            body += between
        offset = len(body)
        crc = zlib.crc32(member.data)
        size = len(member.data)
        local_name = member.local_name if member.local_name is not None else member.name
        body += LOCAL.pack(
            b"PK\x03\x04",
            20,
            member.flags,
            member.local_method if member.local_method is not None else 0,
            0,
            0x21,
            crc,
            member.local_compressed_size if member.local_compressed_size is not None else size,
            member.local_size if member.local_size is not None else size,
            len(local_name),
            0,
        )
        body += local_name + member.data
        directory += CENTRAL.pack(
            b"PK\x01\x02", 20, 20, member.flags, 0, 0, 0x21, crc, size, size,
            len(member.name), len(member.cd_extra), len(member.cd_comment), 0, 0, 0,
            member.offset if member.offset is not None else offset,
        )
        directory += member.name + member.cd_extra + member.cd_comment
    cd_offset = len(body)
    return bytes(body + directory) + _end_records(
        count=len(members), cd_size=len(directory), cd_offset=cd_offset, comment=comment
    ) + append


def wheel_members(name="demo", version="1.0"):
    """The members of a minimal valid wheel, for raw_zip."""
    dist_info = f"{name}-{version}.dist-info".encode()
    return [
        Member(f"{name}/__init__.py".encode(), b"VERSION = '1.0'\n"),
        Member(dist_info + b"/METADATA", metadata_text(name, version)),
        Member(dist_info + b"/WHEEL", b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        Member(dist_info + b"/RECORD", b""),
    ]


_METER = """
import json, resource, sys
import django
django.setup()
from packaging.version import Version
from packages.errors import InvalidUpload
from packages.upload.checks import archives, files
kind, path, filename = sys.argv[1:4]
size = __import__("os").path.getsize(path)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
message = None
with open(path, "rb") as fileobj:
    try:
        if kind == "wheel":
            dist = files.parse_dist_filename(filename, filetype="bdist_wheel")
            archives.wheel_metadata(fileobj, filename=filename, dist=dist, size=size)
        else:
            archives.sdist_metadata(fileobj, filename=filename, size=size)
    except InvalidUpload as error:
        message = error.message
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"message": message, "rise": (after - before) * 1024}))
"""


def peak_memory_rise(kind, path, filename):
    """(refusal message or None, how many bytes the check raised the peak RSS by), in a fresh interpreter."""
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "indexsite.settings"}
    result = subprocess.run(
        [sys.executable, "-c", _METER, kind, str(path), filename],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome["message"], outcome["rise"]
