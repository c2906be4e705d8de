"""Create the database cache's table, so `migrate` alone gives a working site.

The cache holds the rate-limit counters that the login and two-factor pages
use; without its table those pages fail. `createcachetable` does nothing when
the table exists or when the cache is not a database cache (Redis).
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_security_event_organization_name")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True)]
