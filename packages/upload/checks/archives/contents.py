"""What is inside the file: zip or tar framing, no bombs or unsafe paths, the core-metadata file."""

import tarfile
import zipfile
import zlib

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .limits import METADATA_MAX_SIZE, check_bomb, check_member_count, invalid
from .tar_headers import open_sdist
from .zip_records import check_zip_records


def wheel_metadata(fileobj, *, filename, dist, size):
    """The METADATA bytes of a wheel, after checking its framing and structure."""
    # Before zipfile reads the central directory: its size, its records and their local headers.
    check_zip_records(fileobj, size=size)
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise invalid("The wheel is not a valid zip file.") from None
    with archive:
        check_bomb(sum(i.file_size for i in infos), size)
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise invalid(f"Unsupported compression in {info.filename!r}.")
            if info.filename.startswith("/") or ".." in info.filename.split("/"):
                raise invalid(f"Unsafe path {info.filename!r} in the wheel.")
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
            raise invalid(f"Wheel {filename!r} does not contain the required {expected}/ directory.")
        names = {i.filename: i for i in infos}
        for required in ("WHEEL", "METADATA"):
            if f"{dist_info}/{required}" not in names:
                raise invalid(f"Wheel {filename!r} does not contain the required {required} file: {dist_info}/{required}")
        info = names[f"{dist_info}/METADATA"]
        if info.file_size > METADATA_MAX_SIZE:
            raise invalid("The wheel's METADATA file is too large.")
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
            raise invalid("The wheel's METADATA file cannot be read.") from None


def sdist_metadata(fileobj, *, filename, size):
    """The PKG-INFO bytes of an sdist, after checking it is a gzip tar with one top-level directory."""
    fileobj.seek(0)
    members = 0
    top_levels = set()
    pkg_info = None
    try:
        with open_sdist(fileobj) as archive:
            while (member := archive.next()) is not None:
                # tarfile keeps every member it has read; a long archive must not grow the list.
                archive.members.clear()
                members += 1
                check_member_count(members, kind="sdist")
                # Where the tar stream is once this member's data is passed: headers and padding count too.
                check_bomb(archive.offset, size)
                name = member.name
                if name.startswith("/") or ".." in name.split("/"):
                    raise invalid(f"Unsafe path {name!r} in the sdist.")
                if not (member.isfile() or member.isdir()):
                    # Links can point outside the unpacked tree; device files and FIFOs have no place in a source tree.
                    raise invalid(f"The sdist may contain only files and directories; {name!r} is a link or special file.")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if not parts:
                    continue
                top_levels.add(parts[0])
                rest = "/".join(parts[1:])
                if rest == "PKG-INFO" and member.isfile():
                    if member.size > METADATA_MAX_SIZE:
                        raise invalid("The sdist's PKG-INFO file is too large.")
                    pkg_info = archive.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise invalid("The sdist is not a valid .tar.gz file.") from None
    if len(top_levels) != 1:
        raise invalid("An sdist must contain exactly one top-level directory.")
    if pkg_info is None:
        raise invalid(f"The sdist {filename!r} has no PKG-INFO file in its top-level directory.")
    return pkg_info
