"""URL composition. Each app owns its paths (PyPI's URL map, REFERENCE.md §0)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("", include("accounts.urls")),
    path("", include("mfa.urls")),
    path("", include("organizations.urls")),
    path("", include("tokens.urls")),
    path("", include("packages.urls")),
    path("admin/", admin.site.urls),
]
