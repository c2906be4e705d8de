"""System checks (`manage.py check`, `check --deploy`) on the site's own settings (metrics, the shared cache)."""

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


# Caches that live inside one process: each worker would keep its own.
PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache",)


def several_workers():
    """Whether more than one process could serve the site: GUNICORN_WORKERS when set, else all but DEBUG's one."""
    return settings.SERVER_WORKERS > 1 if settings.SERVER_WORKERS else not settings.DEBUG


@register()
def shared_cache(app_configs, **kwargs):
    """The projects' generations live in the cache (packages/index/fastpath): every process must see the same."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PER_PROCESS_CACHES and several_workers():
        return [
            Error(
                f"CACHE_URL names a cache inside each process ({backend}) while more than one worker may run: "
                "each would keep its own generations and replay pages another worker has changed.",
                hint="Use a shared cache (redis://, or the default dbcache://), or run one worker (GUNICORN_WORKERS=1).",
                id="indexsite.E002",
            )
        ]
    return []
