"""The distribution file as a whole: its name, size, digests, and whether it is new."""

import hmac
import re
import unicodedata
from dataclasses import dataclass

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from django.conf import settings
from packaging.version import InvalidVersion, Version

from ...errors import InvalidUpload

MB = 1024 * 1024


def help_url(anchor):
    """The address of a section of this site's help page, as a terminal shows it."""
    return f"{settings.SITE_URL.rstrip('/')}/help/#{anchor}"


def check_filename_safe(filename):
    if not filename or "/" in filename or "\\" in filename:
        raise InvalidUpload("Cannot upload a file with '/' or '\\' in the name.")
    if any(unicodedata.category(ch).startswith("C") for ch in filename):
        raise InvalidUpload("Cannot upload a file with control characters in the name.")
    if not (filename.endswith(".tar.gz") or filename.endswith(".whl")):
        raise InvalidUpload("Invalid file extension: Use .tar.gz or .whl.")


@dataclass(frozen=True)
class DistFilename:
    name: str  # normalized
    version: Version
    packagetype: str
    python_tag: str
    platform_tags: tuple = ()
    # False for an sdist named the pre-PEP 625 way (setuptools < 69.3: "my-pkg-1.0.tar.gz"):
    # accepted as PyPI does, and its uploader told once that the form is deprecated.
    pep625: bool = True


def parse_dist_filename(filename, *, filetype):
    """Parse the filename; it must be the kind the form says.

    An sdist may still carry the pre-PEP 625 name that setuptools wrote before
    69.3 (its name part unnormalized); the result says so in `pep625`.
    """
    if filename.endswith(".whl"):
        if filetype != "bdist_wheel":
            raise InvalidUpload(f"Invalid file: {filename!r} is a wheel but 'filetype' says {filetype!r}.")
        try:
            name, version, _build, tags = parse_wheel_filename(filename)
        except (InvalidWheelFilename, InvalidVersion) as error:
            raise InvalidUpload(f"Invalid wheel filename ({error}).") from None
        python_tag = ".".join(sorted({t.interpreter for t in tags}))
        return DistFilename(name, version, "bdist_wheel", python_tag, tuple(sorted({t.platform for t in tags})))
    if filetype != "sdist":
        raise InvalidUpload(f"Invalid file: {filename!r} is an sdist but 'filetype' says {filetype!r}.")
    try:
        name, version = parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidVersion) as error:
        raise InvalidUpload(f"Invalid source distribution filename ({error}).") from None
    return DistFilename(name, version, "sdist", "source", pep625=filename == pep625_sdist_filename(name, version))


def pep625_sdist_filename(name, version):
    """The sdist filename PEP 625 asks for: the normalized name with underscores."""
    return f"{name.replace('-', '_')}-{version}.tar.gz"


def check_filename_matches(dist, *, name, version):
    """The filename's name and version are the form's (and so the project's)."""
    if dist.name != canonicalize_name(name):
        raise InvalidUpload(f"The filename is for project {dist.name!r}, not for {canonicalize_name(name)!r}.")
    if dist.version != version:
        raise InvalidUpload(f"Version in filename should be {str(version)!r} not {str(dist.version)!r}.")


# manylinux/musllinux/macOS/Windows/iOS/Android tags PyPI accepts; plain
# "linux_x86_64" (built against one machine's libraries) is refused.
_PLATFORM_TAG = re.compile(
    r"^(any|win32|win_amd64|win_arm64|win_ia64"
    r"|manylinux1_(x86_64|i686)"
    r"|manylinux2010_(x86_64|i686)"
    r"|manylinux2014_(x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x)"
    r"|manylinux_\d+_\d+_(x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x|riscv64)"
    r"|musllinux_\d+_\d+_(x86_64|i686|aarch64|armv7l|ppc64le|s390x|riscv64)"
    r"|macosx_\d+_\d+_(x86_64|arm64|universal2|intel|universal|fat3|fat64|fat32|i386|ppc|ppc64)"
    r"|ios_\d+_\d+_(arm64_iphoneos|arm64_iphonesimulator|x86_64_iphonesimulator)"
    r"|android_\d+_(armeabi_v7a|arm64_v8a|x86|x86_64)"
    r"|linux_(armv6l|armv7l))$"
)


def check_platform_tags(dist, *, filename):
    for tag in dist.platform_tags:
        if not _PLATFORM_TAG.match(tag):
            raise InvalidUpload(f"Binary wheel {filename!r} has an unsupported platform tag {tag!r}.")


def _amount(limit, unit, unit_name):
    return f"{limit // unit} {unit_name}" if limit % unit == 0 else f"{limit} bytes"


def check_size(size, *, limit, project_name):
    if size > limit:
        raise InvalidUpload(f"File too large. Limit for project {project_name!r} is {_amount(limit, MB, 'MB')}.")


def check_project_size(size, *, total_size, limit, project_name):
    if total_size + size > limit:
        raise InvalidUpload(
            f"Project size too large. Limit for project {project_name!r} total size is "
            f"{_amount(limit, 1024 * MB, 'GB')}."
        )


def check_digests(*, supplied, computed):
    """`supplied` and `computed` map md5/sha256/blake2_256 to hex; every supplied one must match."""
    given = {kind: value for kind, value in supplied.items() if value}
    if not given:
        raise InvalidUpload("Include at least one message digest.")
    for kind, value in given.items():
        if not hmac.compare_digest(value.strip().lower().encode(), computed[kind].encode()):
            raise InvalidUpload("The digest supplied does not match a digest calculated from the uploaded file.")


def is_identical(existing, *, sha256, blake2_256):
    return existing.sha256_digest == sha256 and existing.blake2_256_digest == blake2_256


def _reuse_advice():
    # flit and poetry rebuild on every publish, so a re-run of an unchanged
    # release job sends other bytes under the same name: say what to do.
    return (
        "A filename can never be reused: bump the version, or publish a post-release such as 1.0.post1. "
        f"See {help_url('file-name-reuse')} for more information."
    )


def check_not_existing(*, filename, blake2_256, exists):
    if exists:
        raise InvalidUpload(
            f"File already exists ({filename!r}, with blake2_256 hash {blake2_256!r}). {_reuse_advice()}"
        )


def check_filename_unused(*, used):
    if used:
        raise InvalidUpload(f"This filename has already been used, use a different version. {_reuse_advice()}")


def check_one_sdist(*, packagetype, release_has_sdist):
    if packagetype == "sdist" and release_has_sdist:
        raise InvalidUpload("Only one sdist may be uploaded per release.")
