"""The site's URLs plus two that fail on purpose, so the browser sweep sees the 403 and 500 pages."""

from django.core.exceptions import PermissionDenied
from django.urls import include, path

from indexsite.urls import handler403, handler404, handler500  # noqa: F401 (Django reads them here)


def _boom(request):
    raise RuntimeError("a deliberate failure for the 500 page")


def _denied(request):
    raise PermissionDenied("Only the project's Owners may do this.")


urlpatterns = [path("_test/boom/", _boom), path("_test/denied/", _denied), path("", include("indexsite.urls"))]
