"""Does /simple/<name>/ cost the same for a project with 10 files and one with 1000?

Not a test: a measurement. It builds a throwaway in-memory database with two
projects (10 and 1000 files), then, through Django's test client, counts the
queries of one request and times requests:

- cold: the page is not cached and is built (what the first client after an
  upload pays);
- warm: the page comes from the cache (every other request until the project
  changes);
- 304: a client revalidating with its ETag.

Run: DEBUG=1 .venv/bin/python benchmarks/simple_index.py [iterations]
"""

import hashlib
import sys

import throwaway_site  # noqa: E402,F401  (sets up Django on an in-memory database)
from throwaway_site import timed  # noqa: E402

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from packages.models import File, Project, Release  # noqa: E402

ACCEPT = {
    "html": "text/html",
    "json": "application/vnd.pypi.simple.v1+json",
}


def make_project(name, files):
    project = Project.objects.create(name=name, normalized_name=name, last_serial=files)
    releases = Release.objects.bulk_create(
        Release(project=project, version=f"1.{i}", canonical_version=f"1.{i}", requires_python=">=3.9")
        for i in range(files)
    )
    File.objects.bulk_create(
        File(
            release=release,
            filename=f"{name}-{release.version}-py3-none-any.whl",
            packagetype="bdist_wheel",
            python_version="py3",
            size=1000 + i,
            sha256_digest=hashlib.sha256(f"{name} {i}".encode()).hexdigest(),
            blake2_256_digest=hashlib.blake2b(f"{name} {i}".encode(), digest_size=32).hexdigest(),
            path=f"{name}/{i}/{name}-{release.version}-py3-none-any.whl",
            metadata_sha256=f"{i:064x}",
        )
        for i, release in enumerate(releases)
    )
    return project


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    setup_test_environment()
    throwaway_site.migrate()
    client = Client()
    sizes = {"small": 10, "large": 1000}
    for name, count in sizes.items():
        make_project(name, count)

    print(f"/simple/<name>/ with {sizes['small']} vs {sizes['large']} files, median of {iterations} requests")
    print(f"{'repr':5} {'case':5} {'queries':>14} {'ms small':>10} {'ms large':>10} {'ratio':>7}")
    for representation, accept in ACCEPT.items():

        def get(name, **headers):
            return client.get(f"/simple/{name}/", HTTP_ACCEPT=accept, **headers)

        def cold(name):
            cache.clear()
            return get(name)

        etags = {name: get(name).headers["ETag"] for name in sizes}
        cases = {
            "cold": cold,
            "warm": get,
            "304": lambda name: get(name, HTTP_IF_NONE_MATCH=etags[name]),
        }
        for case, request in cases.items():
            queries, times = [], []
            for name in sizes:
                request(name)  # prime (warm) or just measure the same path (cold, 304)
                with CaptureQueriesContext(connection) as captured:
                    request(name)
                queries.append(len(captured))
                times.append(timed(lambda: request(name), iterations) * 1000)
            print(
                f"{representation:5} {case:5} {queries[0]:>6} vs {queries[1]:<5} "
                f"{times[0]:>10.2f} {times[1]:>10.2f} {times[1] / times[0]:>7.2f}"
            )


if __name__ == "__main__":
    main()
