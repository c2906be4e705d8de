"""The simple repository API (PEP 503, 592, 629, 658, 691, 700): documents, and the negotiation of `negotiation`.

Documents are built as bytes by plain functions (they are a wire format, not
pages) and cached by `rendering.cached` until the project changes.
"""

import json

from django.utils.html import escape

from .. import selectors
from . import rendering
from .negotiation import (  # noqa: F401 (named here for the views)
    ALIASES,
    CONTENT_TYPES,
    HTML,
    JSON,
    OFFERS,
    TEXT_HTML,
    NotAcceptable,
    negotiate,
    representation,
)

API_VERSION = "1.1"


def _html_page(title, links):
    head = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>{escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{escape(title)}</h1>\n"
    )
    return (head + "".join(links) + "  </body>\n</html>\n").encode()


def _json_document(document):
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def index_document(request, representation, projects):
    """/simple/: the (name, normalized name) pairs `projects`, those the reader may read."""
    base = rendering.origin(request) + "/simple/"
    if representation == JSON:
        return _json_document(
            {"meta": {"api-version": API_VERSION}, "projects": [{"name": name} for name, _ in projects]}
        )
    links = [f'    <a href="{escape(base + normalized)}/">{escape(name)}</a><br>\n' for name, normalized in projects]
    return _html_page("Simple index", links)


def project_document(request, project, representation):
    """/simple/<name>/: the project's files with hashes, yanks, requires-python and metadata."""
    files = selectors.project_files(project=project)
    url = rendering.FileURLs(request)
    provenance = rendering.ProvenanceURLs(request, project)
    if representation == JSON:
        versions = selectors.project_versions(project=project)
        return _json_document(
            {
                "meta": {"api-version": API_VERSION, "_last-serial": project.last_serial},
                "name": project.normalized_name,
                "versions": versions,
                "files": [_json_file(f, url(f), provenance(f)) for f in files],
            }
        )
    return _html_page(f"Links for {project.name}", [_html_link(f, url(f), provenance(f)) for f in files])


def _json_file(file, url, provenance_url=None):
    release = file.release
    entry = {
        "filename": file.filename,
        "url": url,
        "hashes": {"sha256": file.sha256_digest},
        "requires-python": release.requires_python or None,
        # Never "dist-info-metadata" here: it crashes old pip (REFERENCE §2).
        "core-metadata": {"sha256": file.metadata_sha256} if file.metadata_sha256 else False,
        "yanked": (release.yanked_reason or True) if release.yanked else False,
        "size": file.size,
        "upload-time": rendering.upload_time(file.upload_time),
    }
    if provenance_url:
        # PEP 740: where the Integrity API serves the file's provenance (an optional key).
        entry["provenance"] = provenance_url
    return entry


def _html_link(file, url, provenance_url=None):
    release = file.release
    attrs = [f'href="{escape(url)}#sha256={file.sha256_digest}"']
    if release.requires_python:
        attrs.append(f'data-requires-python="{escape(release.requires_python)}"')
    if release.yanked:
        attrs.append(f'data-yanked="{escape(release.yanked_reason)}"')
    if file.metadata_sha256:
        attrs.append(f'data-dist-info-metadata="sha256={file.metadata_sha256}"')
        attrs.append(f'data-core-metadata="sha256={file.metadata_sha256}"')
    if provenance_url:
        attrs.append(f'data-provenance="{escape(provenance_url)}"')
    return f"    <a {' '.join(attrs)}>{escape(file.filename)}</a><br>\n"
