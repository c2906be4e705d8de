"""One consistent backup of the database and the stored files, and its restore into an empty site.

The database is copied with its own tools: SQLite's online backup API (a
snapshot while the site runs) or `pg_dump` in its custom format (one
transaction's snapshot). Stored files are content-addressed and never change,
so they are copied before the database and once more after it: every file the
database snapshot refers to is in the backup unless it was both added and
removed while the backup ran. `manifest.json` lists every file with its size
and SHA-256, and a restore checks them all before it writes anything.

Only local storage (FileSystemStorage) is copied. A bucket (FILE_STORAGE=s3)
keeps its own history: the backup then holds the database alone and the
bucket needs versioning or replication (README.md, "Backups").
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File as StoredFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

MANIFEST = "manifest.json"
FILES_DIR = "files"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    database: str
    files: int
    bytes: int


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(storage, path=""):
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from _walk(storage, f"{path}/{directory}" if path else directory)


def _engine(connection):
    if connection.vendor in ("sqlite", "postgresql"):
        return connection.vendor
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")


def _major(version_text):
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    found = re.search(r"\)\s*(\d+)", version_text)
    return int(found.group(1)) if found else 0


def _pg_client(tool, connection):
    """The path of pg_dump or pg_restore, refused when older than the server (it could not read its data)."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} is not installed: install the PostgreSQL client (Debian: postgresql-client).")
    client = _major(subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout)
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if client < server:
        raise BackupError(
            f"{tool} is version {client} but the server runs PostgreSQL {server}: "
            f"install the client of version {server} or newer (Debian: postgresql-client-{server})."
        )
    return path, client


def _pg_arguments(settings):
    arguments = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            arguments += [option, str(settings[key])]
    return arguments


def _pg_environment(settings):
    # The password goes through the environment, never the command line others can read.
    environment = dict(os.environ)
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    return environment


def _run(command, environment):
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _copy_files(storage, target, seen):
    count = size = 0
    for name in _walk(storage):
        if name in seen:
            continue
        destination = target / FILES_DIR / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(name, "rb") as source, open(destination, "wb") as copy:
                shutil.copyfileobj(source, copy, CHUNK)
        except FileNotFoundError:  # removed since it was listed: the database no longer refers to it
            destination.unlink(missing_ok=True)
            continue
        seen[name] = {"path": name, "size": destination.stat().st_size, "sha256": _sha256(destination)}
        count += 1
        size += seen[name]["size"]
    return count, size


def backup(target, *, using=DEFAULT_DB_ALIAS, storage=None):
    """Write a backup of the database and the local stored files into the empty directory `target`."""
    storage = storage or default_storage
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory.")
    target.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    engine = _engine(connection)
    local = isinstance(storage, FileSystemStorage)
    files = {}
    if local:
        _copy_files(storage, target, files)

    manifest = {"format": FORMAT, "created": timezone.now().isoformat(), "engine": engine}
    if engine == "sqlite":
        database = target / "database.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(database)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    else:
        pg_dump, major = _pg_client("pg_dump", connection)
        database = target / "database.pgdump"
        settings = connection.settings_dict
        _run(
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={database}",
             *_pg_arguments(settings), settings["NAME"]],
            _pg_environment(settings),
        )
        manifest["pg_dump_major"] = major
    manifest["database"] = {"path": database.name, "size": database.stat().st_size, "sha256": _sha256(database)}

    if local:
        _copy_files(storage, target, files)  # the files added while the database was copied
    manifest["storage"] = "local" if local else "not included (a bucket keeps its own versions)"
    manifest["files"] = sorted(files.values(), key=lambda entry: entry["path"])
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return Summary(engine, len(files), sum(entry["size"] for entry in files.values()))


def _read_manifest(source):
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: it is not a backup made by `manage.py backup`.") from None
    except ValueError:
        raise BackupError(f"{source / MANIFEST} is not valid JSON.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of format {manifest.get('format')!r}; this release reads format {FORMAT}.")
    return manifest


def verify(source):
    """The manifest of the backup in `source`, once every file in it matches its size and SHA-256."""
    source = Path(source)
    manifest = _read_manifest(source)
    entries = [(source / manifest["database"]["path"], manifest["database"])]
    entries += [(source / FILES_DIR / entry["path"], entry) for entry in manifest["files"]]
    for path, entry in entries:
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {path} is missing.")
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"The backup is damaged: {path} does not match its checksum.")
    return manifest


def _database_is_empty(connection):
    return not connection.introspection.table_names()


def _storage_is_empty(storage):
    return next(iter(_walk(storage)), None) is None


def restore(source, *, force=False, using=DEFAULT_DB_ALIAS, storage=None):
    """Restore the backup in `source` into this site's database and storage, both empty unless `force`."""
    storage = storage or default_storage
    source = Path(source)
    manifest = verify(source)
    connection = connections[using]
    engine = _engine(connection)
    if manifest["engine"] != engine:
        raise BackupError(f"This is a backup of a {manifest['engine']} database; the site uses {engine}.")
    restoring_files = bool(manifest["files"])
    if restoring_files and not isinstance(storage, FileSystemStorage):
        raise BackupError("The backup holds local files but the site stores files in a bucket: copy them there yourself.")
    if not force:
        if not _database_is_empty(connection):
            raise BackupError("The database is not empty: restore into a new database, or pass --force to overwrite it.")
        if restoring_files and not _storage_is_empty(storage):
            raise BackupError("The file storage is not empty: restore into an empty MEDIA_ROOT, or pass --force.")

    database = source / manifest["database"]["path"]
    if engine == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(database)
        try:
            copy.backup(connection.connection)
        finally:
            copy.close()
    else:
        pg_restore, major = _pg_client("pg_restore", connection)
        if major < manifest.get("pg_dump_major", 0):
            raise BackupError(
                f"pg_restore {major} cannot read a dump made by pg_dump {manifest['pg_dump_major']}: "
                f"install the PostgreSQL client {manifest['pg_dump_major']} or newer."
            )
        settings = connection.settings_dict
        connection.close()
        options = ["--clean", "--if-exists"] if force else []
        _run(
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *options,
             *_pg_arguments(settings), f"--dbname={settings['NAME']}", str(database)],
            _pg_environment(settings),
        )

    count = size = 0
    for entry in manifest["files"]:
        name = entry["path"]
        if storage.exists(name):
            storage.delete(name)
        with open(source / FILES_DIR / name, "rb") as handle:
            saved = storage.save(name, StoredFile(handle, name=name))
        if saved != name:
            raise BackupError(f"The storage saved {name} as {saved}.")
        count += 1
        size += entry["size"]
    return Summary(engine, count, size)
