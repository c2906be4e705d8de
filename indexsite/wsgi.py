"""The WSGI application: machine endpoints on a short middleware chain, everything else on the full one.

Clients of the simple API, the JSON API, files and uploads never carry a
session or a CSRF token, so their requests skip the session, CSRF, auth, OTP
and messages middleware (settings.MACHINE_PATH_PREFIXES, MACHINE_MIDDLEWARE).
In front of both, the index's fast path replays documents and files Django has
already answered, while their project is unchanged (packages/index/fastpath.py).
Health probes and the metrics page take the short chain too
(settings.OPERATIONS_PATH_PREFIXES), and every request is logged and counted
by the outermost layer (indexsite/observe.py); the fast path reports its hits
and misses through the callable it is given (indexsite/metrics.py).
"""

import os

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indexsite.settings")
django.setup(set_prefix=False)

from indexsite import metrics  # noqa: E402
from indexsite.observe import RequestObserver  # noqa: E402
from packages.index.fastpath import IndexFastPath  # after django.setup(): it needs the apps loaded


class MachineHandler(WSGIHandler):
    """Django's handler with settings.MACHINE_MIDDLEWARE in place of MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.MACHINE_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


site = WSGIHandler()
machine = MachineHandler()
_prefixes = tuple(settings.MACHINE_PATH_PREFIXES)
_machine_prefixes = _prefixes + tuple(settings.OPERATIONS_PATH_PREFIXES)


def dispatch(environ, start_response):
    handler = machine if environ.get("PATH_INFO", "").startswith(_machine_prefixes) else site
    return handler(environ, start_response)


# Outermost, the request's id, access line and metrics (fast-path replays included).
fastpath = IndexFastPath(dispatch, prefixes=_prefixes, on_lookup=metrics.fastpath_lookup)
application = RequestObserver(fastpath)
