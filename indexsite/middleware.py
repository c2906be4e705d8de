"""Request and response rules Django has no setting for, and the language of the pages people read."""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class RefuseNulBytesMiddleware:
    """A NUL byte in the address or its query string is answered 400 before any view runs.

    PostgreSQL text cannot hold NUL, so a name or search term carrying one would
    otherwise fail deep inside a query; no valid name or term ever contains it.
    """

    MESSAGE = "Bad Request: an address may not contain a NUL byte (%00).\n"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in k or "\x00" in "".join(v) for k, v in request.GET.lists()):
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ContentLengthMiddleware:
    """Outermost on the machine paths: a response of known length says its length.

    Without it (the full chain has CommonMiddleware for this) the WSGI server sends the index's
    documents chunked: three writes where one header line does, and a client that must read on
    until the last chunk. The fast path keeps and replays the header with the rest.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Not on a 304 or a 204, whose headers describe no body of their own.
        if not response.streaming and response.status_code not in (204, 304) and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` (settings.PERMISSIONS_POLICY) to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class PageLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for pages only.

    What machines read (installers, uploaders, OIDC) answers the same in every
    language, so it skips the language negotiation and its Vary header. In
    production indexsite.wsgi already sends those paths past this middleware
    (settings.MACHINE_MIDDLEWARE); this covers the rest (`/legacy` without its
    slash, `/_/` endpoints, the development server). Their messages are PyPI's
    wire contract in English: a language an earlier page request left active on
    the thread is replaced by the default, so a message shared with the pages
    (a rate limit, a refused token) reaches machines untranslated.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self.machine_prefixes = (*settings.MACHINE_PATH_PREFIXES, "/legacy", "/_/")

    def process_request(self, request):
        if request.path_info.startswith(self.machine_prefixes):
            request._machine_path = True
            translation.activate(settings.LANGUAGE_CODE)
            return
        super().process_request(request)

    def process_response(self, request, response):
        if getattr(request, "_machine_path", False):
            return response
        return super().process_response(request, response)
