"""System checks (`manage.py check`, `check --deploy`) on the site's own settings (metrics)."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def metrics_settings(app_configs, **kwargs):
    problems = []
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(
                Error(f"METRICS_ALLOWED_IPS: {entry!r} is not an IP address or network.", id="indexsite.E001")
            )
    if settings.METRICS_ENABLED and not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS):
        problems.append(
            Warning(
                "METRICS_ENABLED is set but neither METRICS_TOKEN nor METRICS_ALLOWED_IPS: /_metrics refuses every scraper.",
                id="indexsite.W001",
            )
        )
    return problems
