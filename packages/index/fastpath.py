"""Repeated machine requests answered in front of Django, checked against the project's generation.

What installers read changes only when a project changes, and every such
change moves the project's generation (`rendering.project_changed`). When a
view answers a document or a file with 200 it marks the response with the
project it shows and the generation it read *before* reading the database
(`mark`). This layer keeps such a response, exactly as Django sent it
(status, every header, the body or, for a local file, its path), under the
request's key: path, query, Accept and what decides the origin (scheme and
host headers). The next identical request is answered from it while the
project's generation is unchanged: one generation read, no URL resolution,
no middleware, no query. Only a response Django has already answered for
that same key is ever replayed, so host validation and negotiation stay
Django's.

Everything else goes to Django as before: a miss, a changed project, HEAD,
Range and the date-based conditions. If-None-Match is answered here (304)
when it names the kept ETag.

`on_lookup`, when given, is called with True for each request answered here
and False for each passed on (the site counts them: indexsite/wsgi.py).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.http import parse_etags

from . import rendering

# Bodies kept per process; a file's entry holds its path, not its bytes.
LIMIT_BYTES = settings.INDEX_FASTPATH_BYTES
FILE_CHUNK = 64 * 1024
_DROPPED_ON_304 = {"content-type", "content-length"}
# Conditions Django answers itself (dates, ranges): a request carrying one is not replayed.
_PASS_THROUGH = ("HTTP_RANGE", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE")


@dataclass(frozen=True)
class Mark:
    """What a response shows: project `name` (or rendering.INDEX) at `generation`; `file` for a stored file."""

    name: str
    generation: int
    file: str | None = None


def mark(response, name, generation, *, file=None):
    """Let the front layer replay `response` while `name` stays at `generation`."""
    response.index_mark = Mark(name, generation, file)
    return response


@dataclass
class _Entry:
    mark: Mark
    status: str
    headers: list
    body: bytes
    etag: str | None

    @property
    def size(self):
        return len(self.body) + 512  # the headers and the key, roughly


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

    def __init__(self, app, *, prefixes=None, limit=LIMIT_BYTES, on_lookup=None):
        self.app = app
        self.on_lookup = on_lookup
        self.prefixes = tuple(prefixes or settings.MACHINE_PATH_PREFIXES)
        self.entries = rendering.BoundedCache(limit, size=lambda entry: entry.size)
        self.origin = _origin_headers()

    def key(self, environ):
        return (
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
            environ.get("wsgi.url_scheme", "http"),
            *(environ.get(name, "") for name in self.origin),
            environ.get("SERVER_NAME", ""),
            environ.get("SERVER_PORT", ""),
        )

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not environ.get("PATH_INFO", "").startswith(self.prefixes):
            return self.app(environ, start_response)
        if any(name in environ for name in _PASS_THROUGH):
            return self.app(environ, start_response)
        key = self.key(environ)
        entry = self.entries.get(key)
        if entry is not None and rendering.generation(entry.mark.name) == entry.mark.generation:
            answer = self.replay(entry, environ, start_response)
            if answer is not None:
                if self.on_lookup is not None:
                    self.on_lookup(True)
                return answer
            self.entries.discard(key)
        if self.on_lookup is not None:
            self.on_lookup(False)
        return self.answer_and_keep(key, environ, start_response)

    def replay(self, entry, environ, start_response):
        condition = environ.get("HTTP_IF_NONE_MATCH")
        if condition is not None and entry.etag is not None:
            etags = parse_etags(condition)
            if "*" in etags or entry.etag in etags or entry.etag in (e.removeprefix("W/") for e in etags):
                headers = [(k, v) for k, v in entry.headers if k.lower() not in _DROPPED_ON_304]
                start_response("304 Not Modified", headers)
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

    def answer_and_keep(self, key, environ, start_response):
        seen = {}

        def keep_start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, keep_start_response)
        response_mark = getattr(result, "index_mark", None)
        status = seen.get("status", "")
        if response_mark is not None and status.startswith("200 "):
            headers = list(seen["headers"])
            if not any(name.lower() == "set-cookie" for name, _ in headers):
                etag = next((value for name, value in headers if name.lower() == "etag"), None)
                body = b"" if response_mark.file else result.content
                self.entries.put(key, _Entry(response_mark, status, headers, body, etag))
        return result


def _chunks(handle):
    with handle:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk
