"""Reads of provenance for the Integrity API and the project pages."""

from packaging.utils import canonicalize_version

from .models import FileProvenance


def file_provenance(*, project, version, filename):
    """The FileProvenance of `filename` in release `version` (any spelling) of `project`, or None. One query."""
    found = (
        FileProvenance.objects.filter(file__filename=filename, file__release__project=project)
        .select_related("file__release")
        .first()
    )
    if found is None or found.file.release.canonical_version != canonicalize_version(version):
        return None
    return found


def files_provenance(files):
    """{file id: FileProvenance} for `files` (those that have one). One query."""
    ids = [file.pk for file in files]
    return {p.file_id: p for p in FileProvenance.objects.filter(file_id__in=ids)} if ids else {}
