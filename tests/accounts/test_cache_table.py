"""`migrate` alone gives a working site: the database cache's table comes with the migrations."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection


def _cache_table_exists():
    return "indexsite_cache" in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_cache_table_that_rate_limits_need(client, user, password):
    with connection.schema_editor() as editor:
        editor.execute(editor.sql_delete_table % {"table": editor.quote_name("indexsite_cache")})
    assert not _cache_table_exists()
    call_command("migrate", "accounts", "0001", verbosity=0)
    call_command("migrate", verbosity=0)
    assert _cache_table_exists()

    # The site answers after a fresh migrate (the login page counts attempts in their own table).
    response = client.post("/account/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    cache.clear()
