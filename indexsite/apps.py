"""The site's own AppConfig: composition, not an app of models.

Listed in INSTALLED_APPS so that `ready()` runs in every process Django starts
(server workers, management commands, tests): it registers the system checks
on the site's settings and attaches the metrics to the signals the apps send
(indexsite/metrics.py). The site has no models, migrations or templates of its own.
"""

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "indexsite"
    verbose_name = "Site"

    def ready(self):
        from . import checks, metrics  # noqa: F401  (checks registers itself)

        metrics.connect()
