"""What read views wear: the reader checked at the door, and answers to credentials kept private.

`machine_read` (simple API, JSON API, files, upload probes): credentials that
are presented must be valid (401 naming the cause, 429 past the IP's
allowance); with `PRIVATE_INDEX` on, anonymous requests get 401 with
`WWW-Authenticate: Basic`, so pip and uv ask their keyring or prompt. An
answer to a request that carried credentials is `Cache-Control: private`,
varies by them and carries no edge-cache keys, whatever it says (a 404 for a
private project looks exactly like a 404 for a name nobody has).

`page_read` (home, project, user and organisation pages, search): with
`PRIVATE_INDEX` on, people who are not signed in are sent to the login page.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from . import readers

EDGE_HEADERS = ("Surrogate-Key", "xkey", "Surrogate-Control")


def _unauthorized(message):
    response = HttpResponse(message + "\n", status=401, content_type="text/plain; charset=utf-8")
    response.headers["WWW-Authenticate"] = f'Basic realm="{settings.SITE_NAME}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(refused):
    if refused.status == 429:
        response = HttpResponse(refused.message + "\n", status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(refused.retry_after)
        response.headers["Cache-Control"] = "no-store"
        return response
    return _unauthorized(refused.message)


def make_private(response):
    """Keep `response` out of every shared cache: private, varying by credentials, no edge keys."""
    directives = [d.strip() for d in response.headers.get("Cache-Control", "").split(",") if d.strip()]
    kept = [d for d in directives if d.split("=")[0].lower() not in ("public", "private", "s-maxage")]
    response.headers["Cache-Control"] = ", ".join(["private", *kept])
    patch_vary_headers(response, ("Authorization", "Cookie"))
    for name in EDGE_HEADERS:
        if name in response.headers:
            del response.headers[name]
    return response


def machine_read(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            request.reader = reader = readers.from_request(request)
        except readers.Refused as refused:
            return _refused(refused)
        if settings.PRIVATE_INDEX and not reader.authenticated:
            return _unauthorized(readers.NO_CREDENTIALS)
        response = view(request, *args, **kwargs)
        if reader.authenticated:
            make_private(response)
            mark = getattr(response, "index_mark", None)
            if mark is not None:
                if reader.replayable:
                    response.index_mark = mark.for_view(reader.view)
                else:
                    del response.index_mark
        return response

    return wrapper


def page_read(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.PRIVATE_INDEX and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.reader = readers.for_user(request.user)
        return view(request, *args, **kwargs)

    return wrapper
