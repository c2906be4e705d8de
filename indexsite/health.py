"""The load balancer's two questions: is the process alive, and may it take requests?

`/_health/live` answers from the process alone (no database), so a database
outage never makes an orchestrator restart healthy workers. `/_health/ready`
checks what every request needs: the database, the cache, the file storage and
that the schema matches the code's migrations. It names what failed, never why
(no versions, hosts or messages: the probe is public); the reason goes to the log.
"""

import logging
import os

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.http import JsonResponse

logger = logging.getLogger(__name__)

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
_expected_migrations = None


def _latest_migrations():
    """Each app's leaf migrations as the code on disk has them (read once: the code does not change under a process)."""
    global _expected_migrations
    if _expected_migrations is None:
        _expected_migrations = frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    return _expected_migrations


def _applied_migrations(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return set(cursor.fetchall())


def _database_and_migrations():
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        applied = _applied_migrations(connection)
    except Exception as error:
        logger.warning("Readiness: the database is unreachable (%s: %s)", type(error).__name__, error)
        # A broken connection is not reused: the next probe connects afresh.
        connection.close()
        return FAILED, SKIPPED
    missing = _latest_migrations() - applied
    if missing:
        logger.warning("Readiness: %d migration(s) not applied, e.g. %s.%s", len(missing), *sorted(missing)[0])
        return OK, FAILED
    return OK, OK


def _cache():
    try:
        cache.get("health:ready")
    except Exception as error:
        logger.warning("Readiness: the cache is unreachable (%s: %s)", type(error).__name__, error)
        return FAILED
    return OK


def _storage():
    try:
        if isinstance(default_storage, FileSystemStorage):
            location = default_storage.location
            reachable = os.path.isdir(location) and os.access(location, os.W_OK | os.X_OK)
        else:  # a bucket: one HEAD request
            default_storage.exists("health-probe")
            reachable = True
    except Exception as error:
        logger.warning("Readiness: the file storage is unreachable (%s: %s)", type(error).__name__, error)
        return FAILED
    if not reachable:
        logger.warning("Readiness: the file storage directory is missing or not writable")
        return FAILED
    return OK


def readiness():
    """{"database": "ok", "migrations": "ok", "cache": "ok", "storage": "ok"}, each "ok", "failed" or "skipped"."""
    database, migrations = _database_and_migrations()
    return {"database": database, "migrations": migrations, "cache": _cache(), "storage": _storage()}


def _answer(status, body):
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def live(request):
    return _answer(200, {"status": "ok"})


def ready(request):
    checks = readiness()
    failed = [name for name, state in checks.items() if state == FAILED]
    if failed:
        return _answer(503, {"status": "unavailable", "failed": failed, "checks": checks})
    return _answer(200, {"status": "ok", "checks": checks})
