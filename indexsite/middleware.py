"""Language choice for the pages people read, and only for them."""

from django.middleware.locale import LocaleMiddleware

# What machines read (installers, uploaders, OIDC) answers the same in every
# language, so it skips the language negotiation and its Vary header.
MACHINE_PREFIXES = ("/simple/", "/files/", "/pypi/", "/legacy/", "/_/")


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
