"""The upload checks: small pure functions, run in order by the upload service.

Each check takes plain values and either returns (sometimes a parsed value) or
raises one error type, `InvalidUpload` (400) or `UploadForbidden` (403), with
the exact message the client prints. Messages follow PyPI's wording so that
users' search results and habits carry over.
"""

import hmac
import io
import re
import sys
import tarfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from email.message import Message

import trove_classifiers
from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata, parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version
from readme_renderer import markdown as md_renderer
from readme_renderer import rst as rst_renderer
from readme_renderer import txt as txt_renderer

from ..errors import InvalidUpload, UploadForbidden

CORE_METADATA_HELP = "See https://packaging.python.org/specifications/core-metadata for more information."
MB = 1024 * 1024

# Zip-bomb limits (REFERENCE §1): refuse more than 64 MiB unpacked at a ratio above 50.
BOMB_SIZE = 64 * MB
BOMB_RATIO = 50
# Largest core-metadata file read out of an archive.
METADATA_MAX_SIZE = 10 * MB

STDLIB_NAMES = frozenset(canonicalize_name(name) for name in sys.stdlib_module_names)

# --- the form -------------------------------------------------------------

# Form fields carrying core metadata, by their RawMetadata key; multi-valued ones are lists.
_SINGLE_FIELDS = {
    "metadata_version": "metadata_version",
    "name": "name",
    "version": "version",
    "summary": "summary",
    "description": "description",
    "description_content_type": "description_content_type",
    "keywords": "keywords",
    "home_page": "home_page",
    "download_url": "download_url",
    "author": "author",
    "author_email": "author_email",
    "maintainer": "maintainer",
    "maintainer_email": "maintainer_email",
    "license": "license",
    "license_expression": "license_expression",
    "requires_python": "requires_python",
}
_MULTI_FIELDS = {
    "classifiers": "classifiers",
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "requires_dist": "requires_dist",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "requires_external": "requires_external",
    "provides_extra": "provides_extra",
    "license_file": "license_files",
    "dynamic": "dynamic",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}


def clean_form(data):
    """The form as {key: [values]} without absent values.

    uv sends "" for every absent field and distutils once sent "UNKNOWN";
    both mean "not given".
    """
    fields = {}
    for key in data:
        values = [v for v in data.getlist(key) if isinstance(v, str) and v not in ("", "UNKNOWN")]
        if values:
            fields[key] = values
    return fields


def form_value(fields, key):
    values = fields.get(key)
    return values[0] if values else None


def raw_metadata_from_form(fields):
    raw = {}
    for key, raw_key in _SINGLE_FIELDS.items():
        value = form_value(fields, key)
        if value is not None:
            raw[raw_key] = value
    for key, raw_key in _MULTI_FIELDS.items():
        if key in fields:
            raw[raw_key] = list(fields[key])
    if "keywords" in raw:
        raw["keywords"] = [k.strip() for k in raw["keywords"].split(",") if k.strip()]
    if "project_urls" in fields:
        urls = {}
        for entry in fields["project_urls"]:
            label, _, url = entry.partition(",")
            urls[label.strip()] = url.strip()
        raw["project_urls"] = urls
    return raw


def check_action(fields):
    action = form_value(fields, ":action")
    if action != "file_upload":
        raise InvalidUpload(f"Unsupported action {action!r}: this API accepts only ':action=file_upload'.")


def check_protocol_version(fields):
    if form_value(fields, "protocol_version") not in (None, "1"):
        raise InvalidUpload("Unknown protocol version.")


def check_filetype(fields):
    filetype = form_value(fields, "filetype")
    if filetype not in ("sdist", "bdist_wheel"):
        raise InvalidUpload(f"Unknown type of file: {filetype!r}. Upload an sdist (.tar.gz) or a wheel (.whl).")
    return filetype


# --- core metadata --------------------------------------------------------


def _metadata_error(error):
    return InvalidUpload(f"Invalid core metadata: {str(error).rstrip('.')}. {CORE_METADATA_HELP}")


def _first_invalid(group):
    for error in group.exceptions:
        if isinstance(error, ExceptionGroup):
            return _first_invalid(error)
        return error
    return group


def check_metadata(raw):
    """Validate core metadata (a RawMetadata dict) and return packaging's `Metadata`.

    packaging checks the fields and their Metadata-Version; then this project's
    rules as PyPI's: no local versions, a short summary, known and current
    classifiers, no direct-URL dependencies, not both License and License-Expression.
    """
    for required, label in (("metadata_version", "Metadata-Version"), ("name", "Name"), ("version", "Version")):
        if not raw.get(required):
            raise InvalidUpload(f"Invalid core metadata: '{label}' is a required field. {CORE_METADATA_HELP}")
    try:
        metadata = Metadata.from_raw(RawMetadata(**raw), validate=True)
    except ExceptionGroup as group:
        raise _metadata_error(_first_invalid(group)) from None
    except InvalidMetadata as error:
        raise _metadata_error(error) from None
    if metadata.version.local:
        raise InvalidUpload(f"Can't use PEP 440 local versions ({metadata.version}).")
    if metadata.summary and len(metadata.summary) > 512:
        raise InvalidUpload("Invalid core metadata: 'Summary' must be 512 characters or fewer.")
    for classifier in metadata.classifiers or ():
        if classifier in trove_classifiers.deprecated_classifiers:
            replacements = trove_classifiers.deprecated_classifiers[classifier]
            hint = f" Use {', '.join(repr(r) for r in replacements)} instead." if replacements else ""
            raise InvalidUpload(f"Classifier {classifier!r} has been deprecated.{hint}")
        if classifier not in trove_classifiers.classifiers:
            raise InvalidUpload(
                f"Classifier {classifier!r} is not a valid classifier. See https://pypi.org/classifiers/ "
                "for the list of known classifiers."
            )
    for requirement in metadata.requires_dist or ():
        if requirement.url:
            raise InvalidUpload(f"Can't have direct dependency: {str(requirement)!r}")
    if raw.get("license") and raw.get("license_expression"):
        raise InvalidUpload(
            "Invalid core metadata: 'License' and 'License-Expression' cannot both be given; "
            "use 'License-Expression' alone."
        )
    return metadata


def parse_metadata_file(data):
    """Parse METADATA / PKG-INFO bytes into a RawMetadata dict, refusing what packaging cannot read."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidUpload("Invalid distribution file: its core metadata is not valid UTF-8.") from None
    raw, unparsed = parse_email(text)
    known = {"metadata-version", "name", "version"}
    broken = sorted(key for key in unparsed if key.lower() in known or key in RawMetadata.__annotations__)
    if broken:
        raise InvalidUpload(f"Invalid distribution file: its core metadata has an unreadable field {broken[0]!r}.")
    return raw


# --- the project name -----------------------------------------------------


def check_name_not_prohibited(name, *, prohibited):
    if prohibited:
        raise InvalidUpload(f"The name {name!r} isn't allowed.")


def check_name_not_confusable(name, *, similar_to):
    if similar_to:
        raise InvalidUpload(
            f"The name {name!r} is too similar to an existing project ({similar_to!r}). "
            "Choose a more distinctive name."
        )


def check_name_not_stdlib(name):
    if canonicalize_name(name) in STDLIB_NAMES:
        raise InvalidUpload(f"The name {name!r} isn't allowed (conflict with Python Standard Library module name).")


def check_project_accepts_uploads(project):
    if project.status == project.Status.QUARANTINED:
        raise UploadForbidden(f"Project {project.name!r} is quarantined and does not accept uploads.")
    if project.status == project.Status.ARCHIVED:
        raise InvalidUpload(f"Project {project.name!r} is archived and does not accept uploads.")


# --- who uploads ------------------------------------------------------------


def check_token_scope(token, *, normalized_name):
    if token is not None and not token.scope_allows(normalized_name):
        raise UploadForbidden(f"Invalid API Token: project-scoped token is not valid for project: {normalized_name!r}")


def check_role(*, user, project_name, has_role):
    if not has_role:
        raise UploadForbidden(f"The user '{user.username}' isn't allowed to upload to project {project_name!r}.")


def check_verified_email(*, user, verified):
    if not verified:
        raise UploadForbidden(
            f"User '{user.username}' does not have a verified primary email address. "
            "Please add a verified primary email before attempting to upload."
        )


def check_two_factor(*, user, enabled):
    if not enabled:
        raise UploadForbidden(
            f"User '{user.username}' does not have two-factor authentication enabled. "
            "Please enable two-factor authentication before attempting to upload."
        )


# --- the description --------------------------------------------------------


def render_description(text, content_type):
    """The description as sanitised HTML, or InvalidUpload when it does not render."""
    if not text or not text.strip():
        return ""
    content_type = content_type or "text/x-rst"
    header = Message()
    header["content-type"] = content_type
    kind = header.get_content_type()
    if kind == "text/plain":
        return txt_renderer.render(text)
    if kind == "text/markdown":
        html = md_renderer.render(text, variant=header.get_param("variant") or "GFM")
    elif kind == "text/x-rst":
        html = rst_renderer.render(text, stream=io.StringIO())
    else:
        raise InvalidUpload(f"Invalid description content type: {content_type!r}.")
    if html is None:
        raise InvalidUpload(f"The description failed to render for {kind!r}.")
    return html


# --- the file --------------------------------------------------------------


def check_content_present(content):
    if content is None:
        raise InvalidUpload("Upload payload does not have a file.")


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


def parse_dist_filename(filename, *, filetype):
    """Parse the filename; it must be the kind the form says and, for sdists, the PEP 625 form."""
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
    expected = f"{name.replace('-', '_')}-{version}.tar.gz"
    if filename != expected:
        raise InvalidUpload(f"Filename {filename!r} is not the PEP 625 form; it should be {expected!r}.")
    return DistFilename(name, version, "sdist", "source")


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


def check_not_existing(*, filename, blake2_256, exists):
    if exists:
        raise InvalidUpload(f"File already exists ({filename!r}, with blake2_256 hash {blake2_256!r}).")


def check_filename_unused(*, used):
    if used:
        raise InvalidUpload("This filename has already been used, use a different version.")


def check_one_sdist(*, packagetype, release_has_sdist):
    if packagetype == "sdist" and release_has_sdist:
        raise InvalidUpload("Only one sdist may be uploaded per release.")


# --- the archive -------------------------------------------------------------


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


def check_file_metadata_matches(metadata, *, dist, name, version):
    """The file's own metadata names the same project and version as the filename and the form."""
    if canonicalize_name(metadata.name) != canonicalize_name(name) or canonicalize_name(metadata.name) != dist.name:
        raise InvalidUpload(
            f"The name in the file's metadata ({metadata.name!r}) does not match the name of the upload ({name!r})."
        )
    if metadata.version != version or metadata.version != dist.version:
        raise InvalidUpload(
            f"The version in the file's metadata ({str(metadata.version)!r}) does not match "
            f"the version of the upload ({str(version)!r})."
        )

