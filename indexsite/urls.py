"""URL composition. Each app owns its paths (PyPI's URL map, REFERENCE.md §0)."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from packages.pages.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("", include("mfa.urls")),
    path("", include("organizations.urls")),
    path("", include("tokens.urls")),
    path("", include("packages.urls")),
    path("", include("operations.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler403 = "indexsite.errors.permission_denied"
handler404 = "indexsite.errors.page_not_found"
handler500 = "indexsite.errors.server_error"
