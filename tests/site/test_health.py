"""The load balancer's probes: alive without a database, ready only when database, cache, storage and schema are."""

import time

import pytest
from django.db import connection

from indexsite import health
from tests.site.wsgi import wsgi_request


@pytest.mark.django_db
def test_live_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = wsgi_request("/_health/live")
    assert answer.status == 200
    assert answer.json() == {"status": "ok"}
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.django_db
def test_ready_reports_each_dependency_and_is_never_cached(media_root):
    answer = wsgi_request("/_health/ready")
    assert answer.status == 200, answer.body
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "storage": "ok"},
    }
    assert answer.headers["cache-control"] == "no-store"
    # No version, host or software name in the answer or its headers.
    assert b"ython" not in answer.body and b"jango" not in answer.body
    assert not any("version" in name for name in answer.headers)


@pytest.mark.django_db
def test_probes_take_the_short_machine_chain_without_session_or_csrf(settings, media_root):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True  # a load balancer probes over plain HTTP
    answer = wsgi_request("/_health/ready")
    assert answer.status == 200  # not a redirect to https://
    assert "set-cookie" not in answer.headers
    assert wsgi_request("/_health/live").status == 200


def test_probes_take_only_safe_methods():
    assert wsgi_request("/_health/live", method="POST").status == 405


@pytest.mark.django_db
def test_ready_names_missing_migrations(monkeypatch, media_root):
    monkeypatch.setattr(health, "_expected_migrations", frozenset({("packages", "9999_from_a_newer_release")}))
    answer = wsgi_request("/_health/ready")
    assert answer.status == 503
    assert answer.json()["failed"] == ["migrations"]
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.django_db
def test_ready_names_missing_storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "not-mounted")
    answer = wsgi_request("/_health/ready")
    assert answer.status == 503
    assert answer.json()["failed"] == ["storage"]


@pytest.mark.django_db
def test_ready_names_an_unreachable_cache(settings, media_root):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    answer = wsgi_request("/_health/ready")
    assert answer.status == 503
    assert answer.json()["failed"] == ["cache"]
    assert b"127.0.0.1" not in answer.body


def _unused_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_ready_turns_503_at_once_when_postgresql_goes_away_and_200_when_it_returns(media_root):
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (DATABASE_URL=postgres://...)")
    assert wsgi_request("/_health/ready").status == 200

    # The server goes away under an open connection: the very next probe says so...
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    from django.db import connections

    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
    answer = wsgi_request("/_health/ready")
    assert answer.status == 503
    assert answer.json()["failed"][0] == "database"  # (and the cache, when it is the database's table)
    assert answer.json()["checks"]["migrations"] == "skipped"

    # ... and while it stays away (nothing listens where it was), every probe does.
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = _unused_port()
    try:
        for _ in range(2):
            started = time.perf_counter()
            answer = wsgi_request("/_health/ready")
            assert answer.status == 503 and answer.json()["failed"][0] == "database"
            assert time.perf_counter() - started < 2
            assert b"5432" not in answer.body and b"postgres" not in answer.body
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    # Back: the next probe reconnects.
    assert wsgi_request("/_health/ready").status == 200


@pytest.mark.django_db(transaction=True)
def test_ready_turns_503_when_the_database_fails_and_200_once_it_answers_again(monkeypatch, media_root):
    """The mapping on any database (the PostgreSQL test above stops a real connection)."""
    from django.db import OperationalError

    real = health._applied_migrations

    def unreachable(connection):
        raise OperationalError("unable to open database file /srv/secret-path/db.sqlite3")

    monkeypatch.setattr(health, "_applied_migrations", unreachable)
    answer = wsgi_request("/_health/ready")
    assert answer.status == 503
    assert answer.json()["failed"] == ["database"]
    assert b"secret-path" not in answer.body
    monkeypatch.setattr(health, "_applied_migrations", real)
    assert wsgi_request("/_health/ready").status == 200
