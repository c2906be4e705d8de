"""Set up Django for a benchmark on a throwaway in-memory database and cache.

Import this module before anything from the project; then call `migrate()`;
`timed(f, n)` is the median of n timed calls.
"""

import os
import statistics
import time
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indexsite.settings")
os.environ["DEBUG"] = os.environ.get("DEBUG", "1")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["CACHE_URL"] = "locmemcache://"

import django  # noqa: E402

django.setup()


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(function, iterations):
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
