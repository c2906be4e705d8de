"""Marking and replay: repeated machine requests answered in front of Django, checked against the project's generation.

What installers read changes only when a project changes, and every such
change moves the project's generation (`generations.project_changed`). When a
view answers a document or a file with 200 it marks the response with the
project it shows and the generation it read *before* reading the database
(`mark`). This layer keeps such a response, exactly as Django sent it
(status, every header, the body or, for a local file, its path), under the
request's key: the path, the representation a simple page negotiates to (not
the raw Accept header or query string), what decides the origin (scheme and
host headers) and the reader's view (packages/reading: empty for anonymous
requests; a request with credentials is replayed only under the reader its
token resolved to at the current access generation, and a browser session's
requests are never replayed). The next request with the same key is answered
from it while the project's generation is unchanged: one generation read, no
URL resolution, no middleware, no query. Only a response Django has already answered for
that same key is ever replayed, so host validation and negotiation stay
Django's.

A HEAD is answered from the same entry as the GET it mirrors: the same status
and headers, no body (uv sends one before downloading a file); a file's HEAD
answered by Django is kept for the GET that follows it. A single byte range of
a kept file is sent from it too (206, as Django would); If-Range and ranges of
documents go to Django. Everything else goes to Django as before: a miss, a
changed project and the date-based conditions. If-None-Match is answered here (304) when it names the kept ETag.

`on_lookup`, when given, is called with True for each request answered here
and False for each passed on (the site counts them: indexsite/wsgi.py).
"""

import os
import time
from dataclasses import dataclass, replace
from urllib.parse import parse_qs

from django.conf import settings
from django.utils.http import parse_etags

from ...reading import access, readers
from .. import negotiation
from ..ranges import byte_range
from .caches import ENTRY_OVERHEAD, REPLAY_BYTES, BoundedCache
from .generations import generation, generations

# Paths whose answer is negotiated (PEP 691): their key holds the representation chosen.
NEGOTIATED = ("/simple/", "/legacy/+simple/")

# Bodies kept per process (caches.REPLAY_BYTES); a file's entry holds its path, not its bytes.
FILE_CHUNK = 64 * 1024
_DROPPED_ON_304 = {"content-type", "content-length"}
_REPLAYED_METHODS = ("GET", "HEAD")
# Conditions Django answers itself (dates, If-Range): a request carrying one is not replayed.
_PASS_THROUGH = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE")
# replay()'s answer when the entry stands but this request is Django's to answer (a range of a document,
# an unsatisfiable or unreadable range): the entry is kept, nothing new is.
PASS = object()


@dataclass(frozen=True)
class Mark:
    """What a response shows: project `name` (or generations.INDEX) at `generation`; `file` for a stored file;
    `view`: the reader it was answered to (packages.reading; empty for anonymous requests)."""

    name: str
    generation: int
    file: str | None = None
    view: str = ""
    # Past this time (an upstream page's copy is due to be asked again), the entry is not replayed.
    expires: float | None = None

    def for_view(self, view):
        return replace(self, view=view)


def mark(response, name, generation, *, file=None, expires=None):
    """Let the front layer replay `response` while `name` stays at `generation` (and until `expires`)."""
    response.index_mark = Mark(name, generation, file, expires=expires)
    return response


@dataclass
class _Entry:
    key: tuple
    mark: Mark
    status: str
    headers: list
    body: bytes
    etag: str | None
    size: int = 0

    def __post_init__(self):
        # The budget counts everything an entry holds: key, status, every header, body.
        counted = len(self.body) + len(self.status) + sum(len(part) for part in self.key if isinstance(part, str))
        counted += sum(len(name) + len(value) for name, value in self.headers)
        self.size = counted + ENTRY_OVERHEAD


def _origin_headers():
    names = ["HTTP_HOST"]
    if settings.SECURE_PROXY_SSL_HEADER:
        names.append(settings.SECURE_PROXY_SSL_HEADER[0])
    if settings.USE_X_FORWARDED_HOST:
        names.append("HTTP_X_FORWARDED_HOST")
    if settings.USE_X_FORWARDED_PORT:
        names.append("HTTP_X_FORWARDED_PORT")
    return tuple(names)


class IndexFastPath:
    """WSGI middleware: replays marked responses of `app` while their project is unchanged."""

    def __init__(self, app, *, prefixes=None, limit=REPLAY_BYTES, on_lookup=None):
        self.app = app
        self.on_lookup = on_lookup
        self.prefixes = tuple(prefixes or settings.MACHINE_PATH_PREFIXES)
        self.entries = BoundedCache(limit, size=lambda entry: entry.size)
        self.origin = _origin_headers()
        self.session_cookie = settings.SESSION_COOKIE_NAME + "="
        # The access generation this process last read (packages.reading.access); checked before each replay.
        self.access_seen = None

    def key(self, environ):
        """What the answer depends on, after negotiation: the path, the representation a simple page
        negotiates to (never the raw Accept or query string, which a client may vary without end) and
        the origin. None when negotiation fails (Django answers 406)."""
        path = environ.get("PATH_INFO", "")
        variant = ""
        if path.startswith(NEGOTIATED):
            query = environ.get("QUERY_STRING", "")
            requested = parse_qs(query).get("format", [""])[-1] if "format" in query else ""
            try:
                variant = negotiation.representation(environ.get("HTTP_ACCEPT", ""), requested)
            except negotiation.NotAcceptable:
                return None
        return (
            path,
            variant,
            environ.get("wsgi.url_scheme", "http"),
            *(environ.get(name, "") for name in self.origin),
            environ.get("SERVER_NAME", ""),
            environ.get("SERVER_PORT", ""),
        )

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in _REPLAYED_METHODS or not environ.get("PATH_INFO", "").startswith(
            self.prefixes
        ):
            return self.app(environ, start_response)
        if any(name in environ for name in _PASS_THROUGH):
            return self.app(environ, start_response)
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        credentials = environ.get("HTTP_AUTHORIZATION")
        if credentials:
            return self.replay_to_reader(key, credentials, environ, start_response)
        if self.session_cookie in environ.get("HTTP_COOKIE", ""):
            return self.app(environ, start_response)  # a browser session: Django decides, nothing is kept
        entry = self.entries.get((*key, ""))
        if entry is not None and generation(entry.mark.name) == entry.mark.generation:
            answer = self.replay(entry, environ, start_response)
            if answer is PASS:
                return self.pass_on(environ, start_response)
            if answer is not None:
                if self.on_lookup is not None:
                    self.on_lookup(True)
                return answer
            self.entries.discard((*key, ""))
        return self.answer_and_keep(key, environ, start_response)

    def replay_to_reader(self, key, credentials, environ, start_response):
        """Replayed only to a reader resolved at the current access generation (so a revoked token or a
        removed member misses here and meets Django), under that reader's view. The access generation
        last seen by this process finds the reader and the entry; it is then read together with the
        project's generation, in one round trip, and the answer is replayed only if it has not moved."""
        seen = self.access_seen
        reader = readers.cached(credentials, seen) if seen is not None else None
        if reader is None:
            self.access_seen = access.generation()
            return self.answer_and_keep(key, environ, start_response)
        entry = self.entries.get((*key, reader.view))
        if entry is None:
            return self.answer_and_keep(key, environ, start_response)
        project, current_access = generations(entry.mark.name, access.ACCESS)
        if current_access != seen:
            self.access_seen = current_access
            return self.answer_and_keep(key, environ, start_response)
        if project == entry.mark.generation:
            answer = self.replay(entry, environ, start_response)
            if answer is PASS:
                return self.pass_on(environ, start_response)
            if answer is not None:
                if self.on_lookup is not None:
                    self.on_lookup(True)
                return answer
        self.entries.discard((*key, reader.view))
        return self.answer_and_keep(key, environ, start_response)

    def replay(self, entry, environ, start_response):
        if entry.mark.expires is not None and entry.mark.expires <= time.time():
            return None
        condition = environ.get("HTTP_IF_NONE_MATCH")
        if condition is not None and entry.etag is not None:
            etags = parse_etags(condition)
            if "*" in etags or entry.etag in etags or entry.etag in (e.removeprefix("W/") for e in etags):
                headers = [(k, v) for k, v in entry.headers if k.lower() not in _DROPPED_ON_304]
                start_response("304 Not Modified", headers)
                return []
        if "HTTP_RANGE" in environ:
            return self.replay_range(entry, environ, start_response)
        if environ["REQUEST_METHOD"] == "HEAD":
            if entry.mark.file is not None and not os.path.exists(entry.mark.file):
                return None  # gone from disk: Django decides what to answer
            start_response(entry.status, entry.headers)
            return []
        if entry.mark.file is None:
            start_response(entry.status, entry.headers)
            return [entry.body]
        try:
            handle = open(entry.mark.file, "rb")
        except OSError:
            return None  # gone from disk: Django decides what to answer
        start_response(entry.status, entry.headers)
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None:
            return wrapper(handle, FILE_CHUNK)
        return _chunks(handle)

    def replay_range(self, entry, environ, start_response):
        """One byte range of a kept file (uv reads a wheel's metadata so when no PEP 658 file is offered), as
        Django would answer it: 206 with the file's headers, its Content-Range and the range's length."""
        if entry.mark.file is None:
            return PASS
        try:
            handle = open(entry.mark.file, "rb")
        except OSError:
            return None  # gone from disk: Django decides what to answer
        size = os.fstat(handle.fileno()).st_size
        wanted = byte_range(environ["HTTP_RANGE"], size)
        if wanted is None or wanted == "unsatisfiable":
            handle.close()
            return PASS  # the whole file or a 416: Django's answers
        start, end = wanted
        length = end - start + 1
        headers = [(name, value) for name, value in entry.headers if name.lower() != "content-length"]
        headers += [("Content-Length", str(length)), ("Content-Range", f"bytes {start}-{end}/{size}")]
        start_response("206 Partial Content", headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            handle.close()
            return []
        return _chunks(handle, start, length)

    def pass_on(self, environ, start_response):
        if self.on_lookup is not None:
            self.on_lookup(False)
        return self.app(environ, start_response)

    def answer_and_keep(self, key, environ, start_response):
        if self.on_lookup is not None:
            self.on_lookup(False)
        seen = {}

        def keep_start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, keep_start_response)
        response_mark = getattr(result, "index_mark", None)
        status = seen.get("status", "")
        # A GET's answer is kept, and a HEAD's only for a file (its headers are the GET's and its bytes are
        # sent from the file's path); a document's HEAD answer has no body to replay to a GET.
        keepable = environ["REQUEST_METHOD"] == "GET" or (response_mark is not None and response_mark.file is not None)
        if response_mark is not None and status.startswith("200 ") and keepable:
            headers = list(seen["headers"])
            if not any(name.lower() == "set-cookie" for name, _ in headers):
                etag = next((value for name, value in headers if name.lower() == "etag"), None)
                body = b"" if response_mark.file else result.content
                kept = (*key, response_mark.view)
                self.entries.put(kept, _Entry(kept, response_mark, status, headers, body, etag))
        return result


def _chunks(handle, start=0, length=None):
    with handle:
        if length is None:
            while chunk := handle.read(FILE_CHUNK):
                yield chunk
            return
        handle.seek(start)
        while length > 0 and (chunk := handle.read(min(FILE_CHUNK, length))):
            length -= len(chunk)
            yield chunk
