"""Paths for machines that run the site; settings.OPERATIONS_PATH_PREFIXES keeps them off every gate and cache."""

from django.urls import path
from django.views.decorators.http import require_safe

from . import health, metrics

app_name = "operations"

urlpatterns = [
    path("_health/live", require_safe(health.live), name="live"),
    path("_health/ready", require_safe(health.ready), name="ready"),
    path("_metrics", require_safe(metrics.scrape), name="metrics"),
]
