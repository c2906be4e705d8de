"""What is inside the file: zip or tar framing, no bombs or unsafe paths, the core-metadata file."""

import tarfile
import zipfile
import zlib

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ...errors import InvalidUpload

MB = 1024 * 1024
# Zip-bomb limits (REFERENCE §1): refuse more than 64 MiB unpacked at a ratio above 50.
BOMB_SIZE = 64 * MB
BOMB_RATIO = 50
# Largest core-metadata file read out of an archive.
METADATA_MAX_SIZE = 10 * MB



def _invalid(reason):
    return InvalidUpload(f"Invalid distribution file. {reason}")


def _check_bomb(unpacked, packed):
    if unpacked > BOMB_SIZE and unpacked > BOMB_RATIO * max(packed, 1):
        raise _invalid("File exceeds the allowed compression ratio (a zip bomb?).")


def wheel_metadata(fileobj, *, filename, dist, size):
    """The METADATA bytes of a wheel, after checking its framing and structure."""
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _invalid("The wheel is not a valid zip file.") from None
    with archive:
        _check_bomb(sum(i.file_size for i in infos), size)
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _invalid(f"Unsupported compression in {info.filename!r}.")
            if info.filename.startswith("/") or ".." in info.filename.split("/"):
                raise _invalid(f"Unsafe path {info.filename!r} in the wheel.")
        dist_info = None
        for name in {i.filename.split("/", 1)[0] for i in infos if "/" in i.filename}:
            stem, dot, ext = name.rpartition(".")
            if ext != "dist-info" or not dot:
                continue
            dist_name, _, dist_version = stem.rpartition("-")
            try:
                if canonicalize_name(dist_name) == dist.name and Version(dist_version) == dist.version:
                    dist_info = name
            except InvalidVersion:
                continue
        if dist_info is None:
            expected = filename.split("-")[0] + "-" + filename.split("-")[1] + ".dist-info"
            raise _invalid(f"Wheel {filename!r} does not contain the required {expected}/ directory.")
        names = {i.filename: i for i in infos}
        for required in ("WHEEL", "METADATA"):
            if f"{dist_info}/{required}" not in names:
                raise _invalid(f"Wheel {filename!r} does not contain the required {required} file: {dist_info}/{required}")
        info = names[f"{dist_info}/METADATA"]
        if info.file_size > METADATA_MAX_SIZE:
            raise _invalid("The wheel's METADATA file is too large.")
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
            raise _invalid("The wheel's METADATA file cannot be read.") from None


def sdist_metadata(fileobj, *, filename, size):
    """The PKG-INFO bytes of an sdist, after checking it is a gzip tar with one top-level directory."""
    fileobj.seek(0)
    unpacked = 0
    top_levels = set()
    pkg_info = None
    try:
        with tarfile.open(fileobj=fileobj, mode="r:gz") as archive:
            for member in archive:
                name = member.name
                if name.startswith("/") or ".." in name.split("/"):
                    raise _invalid(f"Unsafe path {name!r} in the sdist.")
                if not (member.isfile() or member.isdir()):
                    # Links can point outside the unpacked tree; device files and FIFOs have no place in a source tree.
                    raise _invalid(f"The sdist may contain only files and directories; {name!r} is a link or special file.")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if not parts:
                    continue
                top_levels.add(parts[0])
                rest = "/".join(parts[1:])
                unpacked += member.size
                _check_bomb(unpacked, size)
                if rest == "PKG-INFO" and member.isfile():
                    if member.size > METADATA_MAX_SIZE:
                        raise _invalid("The sdist's PKG-INFO file is too large.")
                    pkg_info = archive.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise _invalid("The sdist is not a valid .tar.gz file.") from None
    if len(top_levels) != 1:
        raise _invalid("An sdist must contain exactly one top-level directory.")
    if pkg_info is None:
        raise _invalid(f"The sdist {filename!r} has no PKG-INFO file in its top-level directory.")
    return pkg_info
