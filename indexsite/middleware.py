"""Response headers Django has no setting for, and the language of the pages people read."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` (settings.PERMISSIONS_POLICY) to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# What machines read (installers, uploaders, OIDC) answers the same in every
# language, so it skips the language negotiation and its Vary header.
MACHINE_PREFIXES = ("/simple/", "/files/", "/pypi/", "/legacy", "/_/")


class PageLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(MACHINE_PREFIXES):
            request._machine_path = True
            return
        super().process_request(request)

    def process_response(self, request, response):
        if getattr(request, "_machine_path", False):
            return response
        return super().process_response(request, response)
