"""File downloads: distribution files, their PEP 658 metadata and the upstream's files, with HEAD, ETag and single byte ranges.

How the bytes leave is FILE_SERVE's choice: streamed here (then the fast path
may send a repeated download itself), handed to the front server
(X-Accel-Redirect, X-Sendfile), or a redirect to the storage's signed URL.
"""

import logging
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .. import selectors, storage
from ..reading.views import machine_read
from ..upstream import blocks as upstream_blocks
from ..upstream import files as upstream_files
from ..upstream import names as upstream_names
from ..upstream import pages as upstream_pages
from ..upstream.models import UpstreamFile
from . import answers, edge, fastpath
from . import ranges

logger = logging.getLogger(__name__)

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
        return answers.not_found("no such file.")
    etag = f'"{file.metadata_sha256 if is_metadata else file.sha256_digest}"'
    # The fast path replays a whole file of the project its filename names (and only then: see fastpath).
    mark = (project_name, current) if project_name == file.release.project.normalized_name else None
    return _send(
        request,
        path,
        etag=etag,
        modified=file.upload_time.timestamp(),
        size=None if is_metadata else file.size,
        keys=[edge.project_key(file.release.project.normalized_name)],
        mark=mark,
    )


def _send(request, path, *, etag, modified, size, keys, mark):
    """The stored bytes at `path` as FILE_SERVE says, with ETag, Last-Modified (when `modified` is known),
    HEAD and single byte ranges; `size` when known (else the storage's); `mark`: (name, generation) under
    which the fast path may replay a whole-file answer."""
    headers = {"ETag": etag}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    headers.update({"Cache-Control": FILE_CACHE_CONTROL, "Accept-Ranges": "bytes"})
    response = get_conditional_response(
        request, etag=etag, last_modified=int(modified) if modified is not None else None
    )
    if response is not None:
        answers.set_headers(response, headers)
        return edge.set_headers(response, keys)
    if settings.FILE_SERVE == "redirect":
        # The bucket serves the bytes; the signed URL outlives the redirect's max-age.
        response = HttpResponseRedirect(default_storage.url(path))
        response.headers["Cache-Control"] = FILE_REDIRECT_CACHE_CONTROL
        return edge.set_headers(response, keys)
    if settings.FILE_SERVE in ACCEL_HEADERS:
        # The front server sends the bytes (ranges, HEAD, sendfile); this answer only authorises them.
        response = HttpResponse(content_type="application/octet-stream")
        answers.set_headers(response, headers)
        response.headers[ACCEL_HEADERS[settings.FILE_SERVE]] = _accel_target(path)
        return edge.set_headers(response, keys)
    try:
        handle = default_storage.open(path, "rb")
        size = handle.size if size is None else size
    except FileNotFoundError:
        # A row without its bytes: an operator must look (the upload and the upstream's fetch commit both or neither).
        logger.error("stored file missing: %s", path)
        return answers.not_found("no such file.")

    byte_range = None
    if "Range" in request.headers and request.headers.get("If-Range", etag) == etag:
        byte_range = ranges.byte_range(request.headers["Range"], size)
    if byte_range == "unsatisfiable":
        handle.close()
        return answers.text(416, "Range Not Satisfiable", {**headers, "Content-Range": f"bytes */{size}"})
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
    if not byte_range and mark is not None and _local_files():
        # A HEAD's answer too: its headers are the GET's, and the fast path sends the bytes from the path.
        fastpath.mark(response, *mark, file=default_storage.path(path))
    answers.set_headers(response, headers)
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
        return answers.not_found("no such file.")
    if upstream_names.ours(name) is not None:
        # A name of ours serves the upstream's files only when its Owner tracks them, and only to its readers.
        ours = selectors.project_get_visible(name=name)
        if ours is None or not ours.track_upstream or not request.reader.may_read(name=name, private=ours.private):
            return answers.not_found("no such file.")
    elif not request.reader.may_read(name=name, private=False):
        return answers.not_found("no such file.")
    reason = upstream_blocks.blocked(upstream_blocks.blocks_of(name), base)
    if reason is not None:
        return answers.text(404, f"Not Found: {base!r} is blocked on this index: {reason}")
    try:
        path = upstream_files.stored(row, metadata=metadata)
    except upstream_pages.Unavailable as unavailable:
        return answers.text(unavailable.status, unavailable.message, {"Cache-Control": "no-store"})
    etag = f'"{row.metadata_sha256 if metadata else row.sha256_digest}"'
    # When the bytes were kept (a file's; its metadata's own time is not kept, so it has none).
    modified = row.stored.timestamp() if row.stored and not metadata else None
    return _send(request, path, etag=etag, modified=modified, size=None, keys=edge.keys_for(name), mark=(name, current))
