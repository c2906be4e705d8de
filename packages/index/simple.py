"""The simple repository API (PEP 503, 592, 629, 658, 691, 700): negotiation and documents.

Documents are built as bytes by plain functions (they are a wire format, not
pages) and cached by `rendering.cached` until the project changes.
"""

import json

from django.utils.html import escape

from .. import selectors
from . import rendering

API_VERSION = "1.1"

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"
# Order breaks ties between equal q-values: plain HTML is the default (PEP 691).
OFFERS = (TEXT_HTML, HTML, JSON)
CONTENT_TYPES = {TEXT_HTML: "text/html; charset=utf-8", HTML: HTML, JSON: JSON}
# PEP 691's aliases for "whatever v1 is".
ALIASES = {
    "application/vnd.pypi.simple.latest+json": JSON,
    "application/vnd.pypi.simple.latest+html": HTML,
}


class NotAcceptable(Exception):
    pass


def _parse_accept(header):
    """[(media type, q)] from an Accept header; malformed entries are ignored."""
    ranges = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = ALIASES.get(media.lower(), media.lower())
        if "/" not in media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
        ranges.append((media, q))
    return ranges


def _quality(offer, ranges):
    """The q of the most specific range matching `offer`, or None when none does."""
    kind = offer.split("/")[0]
    best = None
    for media, q in ranges:
        if media == offer:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q)
    return None if best is None else best[1]


def negotiate(request):
    """The representation to answer with (one of OFFERS), or NotAcceptable.

    A ``?format=<type>`` query parameter (PEP 691) overrides the Accept header.
    """
    return representation(request.headers.get("Accept", ""), request.GET.get("format", ""))


def representation(accept, requested=""):
    """`negotiate` on the raw values: the Accept header and the ``format`` query parameter (empty if absent)."""
    requested = requested.strip().lower()
    if requested:
        requested = ALIASES.get(requested, requested)
        if requested in OFFERS:
            return requested
        raise NotAcceptable
    header = accept.strip()
    if not header:
        return TEXT_HTML
    ranges = _parse_accept(header)
    scored = [(q, -i, offer) for i, offer in enumerate(OFFERS) if (q := _quality(offer, ranges))]
    if not scored:
        raise NotAcceptable
    return max(scored)[2]


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
