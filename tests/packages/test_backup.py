"""manage.py backup and restore: a populated site comes back whole in an empty database and storage."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import SecurityEvent
from packages.models import File
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.factories import basic_auth_header, make_token

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def populated(client, media_root):
    """A person with a TOTP device and a token, a project with two files uploaded through the API, its history."""
    user = UserFactory(username="keeper")
    device = TOTPDeviceFactory(user=user)
    _, raw = make_token(user)
    for version in ("1.0", "1.1"):
        wheel = make_wheel("kept-project", version)
        answer = client.post(
            "/legacy/", {**upload_form(wheel), "content": wheel.upload()},
            HTTP_AUTHORIZATION=basic_auth_header(raw), REMOTE_ADDR="192.0.2.44",
        )
        assert answer.status_code == 200, answer.content
    stored = File.objects.get(filename="kept_project-1.1-py3-none-any.whl")
    return {
        "project": "kept-project",
        "file_path": stored.path,
        "sha256": hashlib.sha256((media_root / stored.path).read_bytes()).hexdigest(),
        "token": raw,
        "username": "keeper",
        "password": PASSWORD,
        "totp_key": device.key,
        "last_event_id": SecurityEvent.objects.order_by("-pk").first().pk,
        "history": list(SecurityEvent.objects.filter(user=user).order_by("pk").values_list("tag", "ip_address")),
    }


def restore_in_a_fresh_site(backup_dir, database_url, media):
    environment = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url, "MEDIA_ROOT": str(media),
                   "ALLOWED_HOSTS": "testserver", "CACHE_URL": "locmemcache://", "DJANGO_SETTINGS_MODULE": "indexsite.settings"}
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup_dir)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def what_the_restored_site_shows(given, database_url, media):
    environment = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url, "MEDIA_ROOT": str(media),
                   "ALLOWED_HOSTS": "testserver", "CACHE_URL": "locmemcache://", "DJANGO_SETTINGS_MODULE": "indexsite.settings"}
    result = subprocess.run([sys.executable, "-m", "tests.packages.restored_site"], cwd=ROOT, env=environment,
                            input=json.dumps(given), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def back_up_restore_and_use(populated, tmp_path, database_url):
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    assert {entry["path"] for entry in manifest["files"]} >= {populated["file_path"]}
    assert all(len(entry["sha256"]) == 64 for entry in [manifest["database"], *manifest["files"]])

    media = tmp_path / "restored-files"
    media.mkdir()
    restored = restore_in_a_fresh_site(backup_dir, database_url, media)
    assert restored.returncode == 0, restored.stderr
    assert "stored files" in restored.stdout

    seen = what_the_restored_site_shows(populated, database_url, media)
    assert seen["download_status"] == 200 and seen["download_sha256"] == populated["sha256"]
    assert seen["simple_lists_file"]
    assert seen["upload_status"] == 200  # the token still uploads
    assert seen["login_status"] == 302 and seen["signed_in"]  # password and TOTP still sign in
    assert [tuple(event) for event in seen["history"]] == populated["history"]
    assert ("file:add", "192.0.2.44") in populated["history"]

    # A second restore into the now populated site is refused, and loses nothing.
    again = restore_in_a_fresh_site(backup_dir, database_url, media)
    assert again.returncode != 0 and "The database is not empty" in again.stderr
    return backup_dir


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_on_sqlite(populated, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass")
    back_up_restore_and_use(populated, tmp_path, f"sqlite:///{tmp_path / 'restored.sqlite3'}")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_on_postgresql(populated, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL pass")
    import psycopg

    settings = connection.settings_dict
    fresh = f"{settings['NAME']}_restored"
    server = {"host": settings["HOST"] or None, "port": settings["PORT"] or None, "user": settings["USER"] or None,
              "password": settings["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        auth = f"{settings['USER']}:{settings['PASSWORD']}@" if settings["PASSWORD"] else f"{settings['USER']}@"
        url = f"postgres://{auth}{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{fresh}"
        back_up_restore_and_use(populated, tmp_path, url)
    finally:
        with psycopg.connect(**server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_incomplete_backup_is_refused_before_anything_is_written(populated, tmp_path):
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    damaged = backup_dir / "files" / manifest["files"][0]["path"]
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")
    media = tmp_path / "restored-files"
    media.mkdir()
    result = restore_in_a_fresh_site(backup_dir, f"sqlite:///{tmp_path / 'never.sqlite3'}", media)
    assert result.returncode != 0 and "does not match its checksum" in result.stderr
    assert not any(media.iterdir())
    damaged.unlink()
    result = restore_in_a_fresh_site(backup_dir, f"sqlite:///{tmp_path / 'never.sqlite3'}", media)
    assert "The backup is incomplete" in result.stderr


@pytest.mark.django_db
def test_backup_refuses_a_directory_that_is_not_empty(tmp_path, media_root):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("kept")
    with pytest.raises(CommandError, match="is not empty: back up into a new directory"):
        call_command("backup", str(tmp_path / "old"))
    assert (tmp_path / "old" / "something").read_text() == "kept"


@pytest.mark.django_db
def test_restore_refuses_what_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="holds no manifest.json"):
        call_command("restore", str(tmp_path))
