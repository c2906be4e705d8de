"""How many database statements one upload costs: at most 10 a file, whatever the number of projects or files.

The four shapes of an upload each have their count held: the first file of a new project, the first
file of a new release, a further wheel of a release, and its sdist. Counted as in
test_upload_api: every statement of the request but savepoints and the rate limits' own counters
(in Redis in production, like the cache). On PostgreSQL a new project also takes the reservations'
advisory lock, which SQLite has no need of.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import File, JournalEntry, Project, Release
from tests.packages.distributions import make_sdist, make_wheel
from tests.packages.test_upload_api import post

LIMIT = 10


def _statements(client, dist, auth):
    with CaptureQueriesContext(connection) as queries:
        response = post(client, dist, auth)
    assert response.status_code == 200, response.content
    assert response.content.decode().startswith("Uploaded"), response.content
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"] and "ratelimitcounter" not in q["sql"]]


def test_each_shape_of_upload_costs_at_most_ten_statements(client, auth, media_root, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # as Redis: no SQL
    # Another project first, so that what happens once (the token's last use, the largest upload limit) is done.
    post(client, make_wheel("warm", "1.0"), auth)
    for other in range(3):  # other projects and files do not change the count
        post(client, make_wheel(f"other{other}", "1.0"), auth)

    shapes = {
        "new project": make_wheel("demo", "0.9"),
        "new release": make_wheel("demo", "1.0"),
        "further wheel": make_wheel("demo", "1.0", tag="py2-none-any"),
        "sdist": make_sdist("demo", "1.0"),
    }
    counts = {shape: len(_statements(client, dist, auth)) for shape, dist in shapes.items()}

    assert all(count <= LIMIT for count in counts.values()), counts
    assert Project.objects.filter(normalized_name="demo").count() == 1
    assert Release.objects.filter(project__normalized_name="demo").count() == 2
    assert File.objects.filter(release__project__normalized_name="demo", release__version="1.0").count() == 3


def test_the_project_is_read_with_the_uploaders_right_in_one_statement_before_the_lock(client, auth, media_root, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    post(client, make_wheel("demo", "1.0"), auth)
    statements = _statements(client, make_wheel("demo", "1.1"), auth)
    reads_of_roles = [sql for sql in statements if "packages_projectrole" in sql]
    # One read before the lock (with the project) and one under it (with the release): no separate role query.
    assert len(reads_of_roles) == 2, reads_of_roles
    assert all('"packages_project" p' in sql for sql in reads_of_roles)


@pytest.mark.postgresql
def test_on_postgresql_an_upload_writes_its_rows_in_one_prepared_statement(client, auth, media_root, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    post(client, make_wheel("demo", "1.0"), auth)
    counts = {}
    for shape, dist in {"new release": make_wheel("demo", "1.1"), "further wheel": make_wheel("demo", "1.1", tag="py2-none-any"),
                        "sdist": make_sdist("demo", "1.1")}.items():
        statements = _statements(client, dist, auth)
        counts[shape] = len(statements)
        writes = [sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH", "DELETE"))]
        # The release (when new), the file and its name, the journal, the serial and size, the events: one statement.
        assert len(writes) == 1, writes
        assert "packages_journalentry" in writes[0] and "accounts_securityevent" in writes[0]
        # Prepared: sent with PostgreSQL's own placeholders, its values bound apart.
        assert "$1" in writes[0]
    # The token, the checks' read, the lock, the read under it, the writes.
    assert counts == {"new release": 5, "further wheel": 5, "sdist": 5}, counts
    release = Release.objects.get(project__normalized_name="demo", version="1.1")
    assert File.objects.filter(release=release).count() == 3
    project = Project.objects.get(normalized_name="demo")
    assert project.total_size == sum(File.objects.filter(release__project=project).values_list("size", flat=True))
    assert project.last_serial == JournalEntry.objects.filter(project_name="demo").latest("id").id
