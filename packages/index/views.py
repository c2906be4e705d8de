"""The index machines read: the simple API, the JSON API and file downloads.

API answers are plain text on error (a terminal should get one readable line);
their documents come from `rendering.cached`, so a request costs a fixed number
of queries and, once a project's page is built, no rendering until it changes.
"""

import logging
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from .. import selectors, storage
from ..reading import rules as reading
from ..upstream import blocks as upstream_blocks
from ..upstream import files as upstream_files
from ..upstream import names as upstream_names
from ..upstream import pages as upstream_pages
from ..upstream.models import UpstreamFile
from ..reading.views import machine_read
from . import edge, fastpath, jsonapi, rendering, simple

logger = logging.getLogger(__name__)

SIMPLE_CACHE_CONTROL = f"max-age={rendering.INDEX_MAX_AGE}, public"
# A file's URL names its content (blake2 path), so its bytes never change.
FILE_CACHE_CONTROL = "max-age=31536000, public, immutable"
# Signed bucket URLs expire (an hour by default): a redirect to one is kept for less.
FILE_REDIRECT_CACHE_CONTROL = "max-age=300, public"
STREAM_CHUNK = 64 * 1024
# FILE_SERVE: which header hands the bytes to the front server.
ACCEL_HEADERS = {"x-accel-redirect": "X-Accel-Redirect", "x-sendfile": "X-Sendfile"}


def _accel_target(path):
    """What the front server serves: nginx an internal URI, Apache/lighttpd a file path."""
    if settings.FILE_SERVE == "x-sendfile":
        return str(Path(settings.MEDIA_ROOT) / path)
    return settings.FILE_ACCEL_PREFIX.rstrip("/") + "/" + quote(path, safe="/")


def _text(status, message, headers=None):
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    _set_headers(response, headers or {})
    return response


def _set_headers(response, headers):
    for name, value in headers.items():
        response.headers[name] = value


def _not_found(what):
    return _text(404, f"Not Found: {what}")


def _canonical_redirect(request, url):
    query = request.GET.urlencode()
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def _answer(request, *, name, variant, build, content_type, vary=True, keys=None, hidden=None):
    """The cached Document of `name`/`variant` as a response: ETag, conditional GET, cache headers.

    A hit costs no database query; `build()` runs only when the project changed. A document of a
    project the reader may not read is answered as `hidden()`: exactly what a name nobody has gets.
    """
    current = fastpath.generation(name)
    key = rendering.document_key(request, name, variant, current)
    document = rendering.cached(key, build)
    if document.private is not None and not request.reader.may_read(name=name, private=document.private):
        document = hidden()
    response = None
    if document.status == 200:
        etag = document.etag
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(document.body, content_type=content_type)
            if document.serial is not None:
                response.headers["X-PyPI-Last-Serial"] = str(document.serial)
            fastpath.mark(response, name, current, expires=document.expires)
        response.headers["ETag"] = etag
    else:
        response = HttpResponse(document.body, status=document.status, content_type="text/plain; charset=utf-8")
    _set_headers(response, document.headers)
    response.headers["Cache-Control"] = SIMPLE_CACHE_CONTROL
    if vary:
        response.headers["Vary"] = "Accept"
    if document.expires is not None:
        # An upstream page: the edge keeps it no longer than this index keeps its copy.
        edge.set_headers(response, keys or edge.keys_for(name), edge_max_age=max(int(document.expires - time.time()), 0))
    else:
        edge.set_headers(response, keys or edge.keys_for(name))
    return response


def _missing(message):
    return rendering.Document(404, f"Not Found: {message}\n".encode())


def _moved(url):
    return rendering.Document(301, b"", headers={"Location": url})


def _not_acceptable():
    offered = ", ".join(simple.OFFERS)
    return _text(406, f"Not Acceptable: this index answers with one of {offered}.", {"Vary": "Accept"})


# -- simple repository API ----------------------------------------------------


@require_safe
@machine_read
def simple_index(request):
    try:
        representation = simple.negotiate(request)
    except simple.NotAcceptable:
        return _not_acceptable()
    reader = request.reader

    def build():
        projects = selectors.index_projects(reading.readable(reader))
        serial = max((serial for _, _, serial in projects), default=0)
        listed = [(name, normalized) for name, normalized, _ in projects]
        return rendering.Document(200, simple.index_document(request, representation, listed), serial)

    return _answer(
        request,
        name=fastpath.INDEX,
        # What the root index lists depends on who reads it.
        variant=f"{representation}:{reader.view}",
        build=build,
        content_type=simple.CONTENT_TYPES[representation],
        keys=[edge.ALL_PROJECTS],
    )


@require_safe
@machine_read
def simple_detail(request, name, canonical_view="packages:simple-detail"):
    """A project's file list; `canonical_view` names the URL other spellings are redirected to."""
    normalized = canonicalize_name(name)
    if name != normalized or not request.path.endswith("/"):
        return _canonical_redirect(request, reverse(canonical_view, args=[normalized]))
    try:
        representation = simple.negotiate(request)
    except simple.NotAcceptable:
        return _not_acceptable()

    def missing():
        return _missing(f"no project named {name!r}.")

    def build():
        project = selectors.project_get_visible(name=normalized)
        if project is None:
            if settings.UPSTREAM_INDEX_URL:
                return upstream_document(request, normalized, representation, missing)
            return missing()
        if project.track_upstream and settings.UPSTREAM_INDEX_URL:
            return tracked_document(request, project, representation)
        body = simple.project_document(request, project, representation)
        return rendering.Document(200, body, project.last_serial, private=project.private)

    try:
        return _answer(
            request,
            name=normalized,
            variant=representation,
            build=build,
            content_type=simple.CONTENT_TYPES[representation],
            hidden=missing,
        )
    except upstream_pages.Unavailable as unavailable:
        return _text(unavailable.status, unavailable.message, {"Cache-Control": "no-store"})


def tracked_document(request, project, representation):
    """A project of ours that tracks the upstream's of the same name: both sets of files, ours first. When the
    upstream cannot be asked and no copy is kept, ours alone, asked again a minute later."""
    try:
        copy = upstream_pages.copy_of(project.normalized_name)
        expires = copy.checked.timestamp() + settings.UPSTREAM_CACHE_SECONDS
    except upstream_pages.Unavailable:
        copy, expires = None, time.time() + upstream_pages.RETRY_AFTER_FAILURE.total_seconds()
    body = upstream_pages.tracked_document(request, project, copy, representation)
    return rendering.Document(
        200, body, project.last_serial, private=project.private, expires=max(expires, time.time() + 1)
    )


def upstream_document(request, normalized, representation, missing):
    """The page of a name not hosted here: the upstream's files, unless the name is ours (then a 404)."""
    ours = upstream_names.ours(normalized)
    expires = time.time() + settings.UPSTREAM_CACHE_SECONDS
    if ours == upstream_names.RESERVED:
        return replace(
            _missing(f"{normalized!r} is reserved on this index and is not fetched from the upstream index."),
            expires=expires,
        )
    if ours is not None:
        return missing()  # a name of ours that is not readable here: never the upstream's
    copy = upstream_pages.copy_of(normalized)
    if copy.missing:
        return replace(missing(), expires=expires)
    expires = copy.checked.timestamp() + settings.UPSTREAM_CACHE_SECONDS
    body = upstream_pages.document(request, copy, representation)
    return rendering.Document(200, body, None, private=False, expires=max(expires, time.time() + 1))


# -- JSON API -----------------------------------------------------------------


def _json_answer(request, name, variant, build, hidden):
    response = _answer(
        request, name=name, variant=variant, build=build, content_type="application/json", vary=False, hidden=hidden
    )
    if response.status_code in (200, 304):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@machine_read
def json_project(request, name):
    normalized = canonicalize_name(name)
    if name != normalized:
        project = selectors.project_get_visible(name=name)
        if project is None or not request.reader.may_read(name=normalized, private=project.private):
            return _not_found(f"no project named {name!r}.")
        return _canonical_redirect(request, reverse("packages:json-project", args=[project.normalized_name]))

    def missing():
        return _missing(f"no project named {name!r}.")

    def build():
        project = selectors.project_get_visible(name=normalized)
        if project is None:
            return missing()
        body = jsonapi.project_document(request, project)
        if body is None:
            # A project whose releases were all removed has no JSON document (404, as on PyPI).
            return replace(_missing(f"project {project.name!r} has no releases."), private=project.private)
        return rendering.Document(200, body, project.last_serial, private=project.private)

    return _json_answer(request, normalized, "json-api", build, missing)


@require_safe
@machine_read
def json_release(request, name, version):
    normalized = canonicalize_name(name)

    def missing():
        return _missing(f"no project named {name!r}.")

    def build():
        project = selectors.project_get_visible(name=name)
        if project is None:
            return missing()
        private = project.private
        release = selectors.release_get(project=project, version=version)
        if release is None:
            return replace(_missing(f"project {project.name!r} has no release {version!r}."), private=private)
        if name != project.normalized_name or version != release.version:
            url = reverse("packages:json-release", args=[project.normalized_name, release.version])
            return replace(_moved(url), private=private)
        body = jsonapi.release_document(request, project, release)
        return rendering.Document(200, body, project.last_serial, private=private)

    # The spelling is part of the variant: another spelling may be a redirect.
    response = _json_answer(request, normalized, f"json-api:{name}:{version}", build, missing)
    if response.status_code == 301 and request.GET:
        response.headers["Location"] += "?" + request.GET.urlencode()
    return response


# -- files --------------------------------------------------------------------


def _byte_range(header, size):
    """(start, end) inclusive for a single satisfiable range, "unsatisfiable", or None to send everything.

    Multiple ranges and malformed headers get the whole file, as RFC 9110 allows.
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "":
            return None
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(size - length, 0), size - 1
    start = int(first)
    if start >= size:
        return "unsatisfiable"
    end = int(last) if last else size - 1
    if end < start:
        return None
    return start, min(end, size - 1)


def _stream(handle, start, length):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(STREAM_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _project_named_by(path):
    """The normalized project name a stored file's filename carries, or None when it cannot be read."""
    named = storage.distribution_named(path.rsplit("/", 1)[-1].removesuffix(".metadata"))
    return named[0] if named else None


def _local_files():
    """Whether stored files are paths on this machine (the fast path then sends them itself)."""
    try:
        default_storage.path("")
    except NotImplementedError:
        return False
    return True


@require_safe
@machine_read
def file_download(request, path):
    """A distribution file or its PEP 658 metadata, with HEAD, ETag and single byte ranges."""
    # Read before the database (see fastpath): the project a file belongs to is named by its filename.
    project_name = _project_named_by(path)
    current = fastpath.generation(project_name) if project_name else None
    file, is_metadata = selectors.file_get_visible(path=path)
    if file is None or not request.reader.may_read(
        name=file.release.project.normalized_name, private=file.release.project.private
    ):
        return _not_found("no such file.")
    etag = f'"{file.metadata_sha256 if is_metadata else file.sha256_digest}"'
    keys = [edge.project_key(file.release.project.normalized_name)]
    last_modified = file.upload_time.timestamp()
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Cache-Control": FILE_CACHE_CONTROL,
        "Accept-Ranges": "bytes",
    }
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified))
    if response is not None:
        _set_headers(response, headers)
        return edge.set_headers(response, keys)
    if settings.FILE_SERVE == "redirect":
        # The bucket serves the bytes; the signed URL outlives the redirect's max-age.
        response = HttpResponseRedirect(default_storage.url(path))
        response.headers["Cache-Control"] = FILE_REDIRECT_CACHE_CONTROL
        return edge.set_headers(response, keys)
    if settings.FILE_SERVE in ACCEL_HEADERS:
        # The front server sends the bytes (ranges, HEAD, sendfile); this answer only authorises them.
        response = HttpResponse(content_type="application/octet-stream")
        _set_headers(response, headers)
        response.headers[ACCEL_HEADERS[settings.FILE_SERVE]] = _accel_target(path)
        return edge.set_headers(response, keys)
    try:
        handle = default_storage.open(path, "rb")
        size = file.size if not is_metadata else handle.size
    except FileNotFoundError:
        # A row without its bytes: an operator must look (the upload commits both or neither).
        logger.error("stored file missing: %s", path)
        return _not_found("no such file.")

    byte_range = None
    if "Range" in request.headers and request.headers.get("If-Range", etag) == etag:
        byte_range = _byte_range(request.headers["Range"], size)
    if byte_range == "unsatisfiable":
        handle.close()
        return _text(416, "Range Not Satisfiable", {**headers, "Content-Range": f"bytes */{size}"})
    start, end = byte_range or (0, size - 1)
    length = max(end - start + 1, 0)

    if request.method == "HEAD":
        handle.close()
        response = HttpResponse(status=206 if byte_range else 200, content_type="application/octet-stream")
    else:
        response = StreamingHttpResponse(
            _stream(handle, start, length),
            status=206 if byte_range else 200,
            content_type="application/octet-stream",
        )
        if not byte_range and project_name == file.release.project.normalized_name and _local_files():
            fastpath.mark(response, project_name, current, file=default_storage.path(path))
    _set_headers(response, headers)
    response.headers["Content-Length"] = str(length)
    if byte_range:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return edge.set_headers(response, keys)


@require_safe
@machine_read
def upstream_file(request, name, sha256, filename):
    """A file (or `.metadata`) of an upstream project, fetched on its first download and kept in storage."""
    current = fastpath.generation(name)  # before the database, as every marked answer (see fastpath)
    metadata = filename.endswith(".metadata")
    base = filename.removesuffix(".metadata") if metadata else filename
    row = (
        UpstreamFile.objects.filter(project__normalized_name=name, sha256_digest=sha256, filename=base)
        .select_related("project")
        .first()
    )
    if row is None or (metadata and not row.metadata_sha256):
        return _not_found("no such file.")
    ours = selectors.project_get_visible(name=name)
    if ours is not None:
        # A name of ours serves the upstream's files only when its Owner tracks them, and only to its readers.
        if not ours.track_upstream or not request.reader.may_read(name=name, private=ours.private):
            return _not_found("no such file.")
    elif upstream_names.ours(name) is not None or not request.reader.may_read(name=name, private=False):
        return _not_found("no such file.")
    reason = upstream_blocks.blocked(upstream_blocks.blocks_of(name), base)
    if reason is not None:
        return _text(404, f"Not Found: {base!r} is blocked on this index: {reason}")
    try:
        path = upstream_files.stored(row, metadata=metadata)
    except upstream_pages.Unavailable as unavailable:
        return _text(unavailable.status, unavailable.message, {"Cache-Control": "no-store"})
    etag = f'"{row.metadata_sha256 if metadata else row.sha256_digest}"'
    headers = {"ETag": etag, "Cache-Control": FILE_CACHE_CONTROL}
    response = get_conditional_response(request, etag=etag)
    if response is None:
        try:
            handle = default_storage.open(path, "rb")
        except FileNotFoundError:
            logger.error("stored upstream file missing: %s", path)
            return _not_found("no such file.")
        size = handle.size
        if request.method == "HEAD":
            handle.close()
            response = HttpResponse(content_type="application/octet-stream")
        else:
            response = StreamingHttpResponse(_stream(handle, 0, size), content_type="application/octet-stream")
            if _local_files():
                fastpath.mark(response, name, current, file=default_storage.path(path))
        response.headers["Content-Length"] = str(size)
    _set_headers(response, headers)
    return edge.set_headers(response, edge.keys_for(name))
