"""URL composition. Each app owns its paths (PyPI's URL map, REFERENCE.md §0)."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.i18n import set_language

from packages.pages.views import home

from . import health, metrics

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("", include("mfa.urls")),
    path("", include("organizations.urls")),
    path("", include("tokens.urls")),
    path("", include("packages.urls")),
    # For machines that run the site; settings.OPERATIONS_PATH_PREFIXES keeps them off every gate and cache.
    path("_health/live", require_safe(health.live), name="health_live"),
    path("_health/ready", require_safe(health.ready), name="health_ready"),
    path("_metrics", require_safe(metrics.scrape), name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler403 = "indexsite.errors.permission_denied"
handler404 = "indexsite.errors.page_not_found"
handler500 = "indexsite.errors.server_error"
