"""Every request, fast path included: its id, its access log line and its metrics.

`RequestObserver` is the outermost WSGI layer (indexsite/wsgi.py), so replays
of the index's fast path are logged and counted like the rest. It takes the
request id from `X-Request-ID` only behind trusted proxies (NUM_PROXIES > 0;
otherwise anyone could choose it), else makes one, and returns it in the
response. `RequestLogMiddleware`, first in both middleware chains, tells it
what only Django knows: who made the request (user id, or the API token's
public identifier) and the path with secrets from the URL masked.

The duration is the time until the response starts; a file's bytes then
stream without holding the measurement open.
"""

import logging
import os
import re
import time
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

from accounts.events import client_ip
from . import metrics
from .logs import current_request

logger = logging.getLogger("indexsite.access")

_ACTOR = "indexsite.actor"  # environ keys RequestLogMiddleware fills in
_LOGGED_PATH = "indexsite.logged_path"
CLIENT_IP = "indexsite.client_ip"  # the client's address as NUM_PROXIES says, for views below (metrics)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@=+/-]{1,128}")
# URL and query parameters whose values are never written to a log.
_SECRET_WORDS = ("token", "secret", "password", "code", "key", "signature")


def _looks_secret(name):
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _masked_query(query):
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "[masked]" if _looks_secret(k) else v) for k, v in pairs], safe="[]")


class RequestObserver:
    """WSGI middleware: request id, timing, one access line and the request metrics for each request."""

    def __init__(self, app):
        self.app = app

    def request_id(self, environ):
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        if settings.NUM_PROXIES and _REQUEST_ID.fullmatch(offered):
            return offered
        return os.urandom(16).hex()  # as random as a uuid4, a third of its cost

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = self.request_id(environ)
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        environ[CLIENT_IP] = client_ip(SimpleNamespace(META=environ))
        context = current_request.set({"request_id": request_id, "method": method})
        status = []

        def observed_start_response(status_line, headers, exc_info=None):
            status[:] = [status_line]
            # A new list: the fast path replays its own stored header list.
            return start_response(status_line, [*headers, ("X-Request-ID", request_id)], exc_info)

        try:
            result = self.app(environ, observed_start_response)
        finally:
            seconds = time.perf_counter() - started
            code = int(status[0][:3]) if status else 500
            metrics.request_observed(path, code, seconds)
            self.log(environ, request_id, method, path, code, seconds)
            current_request.reset(context)
        return result

    @staticmethod
    def log(environ, request_id, method, path, status, seconds):
        if not logger.isEnabledFor(logging.INFO):
            return
        logged_path = environ.get(_LOGGED_PATH, path)
        query = _masked_query(environ.get("QUERY_STRING", ""))
        actor = environ.get(_ACTOR, {})
        fields = {
            "request_id": request_id,
            "method": method,
            "path": logged_path,
            "query": query,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "user_id": actor.get("user_id"),
            "token_id": actor.get("token_id"),
            "client_ip": environ[CLIENT_IP],
        }
        shown = f"{logged_path}?{query}" if query else logged_path
        logger.info('"%s %s" %s %.1fms', method, shown, status, fields["duration_ms"], extra=fields)


class RequestLogMiddleware:
    """First in both chains: hands the access line who acted and the path with URL secrets masked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        actor = {}
        user = getattr(request, "user", None)
        # Only a user the request already looked up: never a session read just for the log.
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
            user = None
        if user is not None and getattr(user, "is_authenticated", False):
            actor["user_id"] = user.pk
        token = getattr(request, "auth", None)  # DRF sets it on the Django request
        if getattr(token, "identifier", None):
            actor["token_id"] = token.identifier
        request.META[_ACTOR] = actor
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        secret = [value for name, value in view_kwargs.items() if _looks_secret(name) and isinstance(value, str) and value]
        if secret:
            path = request.path_info
            for value in secret:
                path = path.replace(value, "[masked]")
            request.META[_LOGGED_PATH] = path
        return None
