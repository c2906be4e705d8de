"""Run callables at the same moment from many threads, each on its own database connection.

    results = at_once(lambda: upload(...), times=50)     # a list of return values or exceptions

Tests that need real row locks carry `@pytest.mark.postgresql`: SQLite runs one
writer at a time, so a race there proves nothing (tests/conftest.py skips them
on SQLite; CI runs the suite on PostgreSQL too, where they must pass).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def at_once(*calls, times=1, timeout=120):
    """Call each of `calls` `times` times, all released together; return results (or raised exceptions) in order."""
    jobs = [call for call in calls for _ in range(times)]
    barrier = threading.Barrier(len(jobs))

    def run(call):
        try:
            barrier.wait(timeout=timeout)
            return call()
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs, timeout=timeout))
