"""Core metadata: the form's copy for early checks, the file's own copy as the truth."""

import trove_classifiers
from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata, parse_email
from packaging.utils import canonicalize_name

from ...errors import InvalidUpload

CORE_METADATA_HELP = "See https://packaging.python.org/specifications/core-metadata for more information."


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
