"""The upload's own SQL: what it reads (before the lock in one statement, under it in one more), and what it writes.

`before_lock` reads everything the checks need at once: the project with the uploader's right to
upload to it, the release the file joins (and whether it has an sdist), whether a file already
has the name or the bytes, the uploader's email and two-factor standing, and the facts of the name
for a new project. `under_lock` reads again, once the project's row is locked, what can have changed
meanwhile: the project, the right to upload, the release.

`write_rows` writes, on PostgreSQL in one statement, the release, the file and its registered name,
the journal entries with the project's serial and size, and the events.

All are written as plain SQL from the models' tables and columns: for this hot path the ORM costs
more to compile these statements than the database takes to run them. On PostgreSQL they also go
as prepared statements (accounts.sql.cursor), so the database stops planning them on every upload.
"""

import functools
from dataclasses import dataclass

from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import sql
from accounts.models import Email, SecurityEvent
from organizations.models import OrganizationRole, Team, TeamMember

from ..models import File, FilenameRegistry, JournalEntry, Project, ProjectRole, Release, TeamProjectRole
from ..naming.policy import NameFacts, name_facts_params, name_facts_sql


@dataclass(frozen=True)
class Found:
    project: Project | None
    may_upload: bool  # the person has an effective role on the project (user_project_role is not None)
    release: Release | None  # with `has_sdist`
    names: NameFacts  # of the name, for a new project
    taken: bool | None  # a file has this name or these bytes, or the name was used before (None: not asked)
    verified: bool  # a verified primary email
    two_factor: bool  # a confirmed TOTP device or security key


_q, _table, _col = sql.quote, sql.table, sql.column
cursor = sql.cursor


_PROJECT_FIELDS = tuple(Project._meta.concrete_fields)
_RELEASE_FIELDS = tuple(Release._meta.concrete_fields)


# Each statement's text depends only on its shape (the database, who uploads, whether the digest is
# known, the length of the name): it is built once per shape and kept; only the parameters vary.


@functools.cache
def _may_upload_sql(vendor):
    """Whether the person (4 parameters: user_may_upload_params) has an effective role on the project `p`:
    collaboration.selectors.user_project_role's rule (their own role; an Owner of the project's
    organisation; a role of one of its teams they are in, while they are in the organisation) as one
    SQL expression."""
    own = f"EXISTS (SELECT 1 FROM {_table(ProjectRole)} WHERE {_col(ProjectRole, 'project')} = p.id AND {_col(ProjectRole, 'user')} = %s)"
    team = (
        f"EXISTS (SELECT 1 FROM {_table(TeamProjectRole)} "
        f"INNER JOIN {_table(Team)} ON {_col(Team, 'id')} = {_col(TeamProjectRole, 'team')} "
        f"INNER JOIN {_table(TeamMember)} ON {_col(TeamMember, 'team')} = {_col(Team, 'id')} "
        f"INNER JOIN {_table(OrganizationRole)} m ON {_col(OrganizationRole, 'id', 'm')} = {_col(TeamMember, 'member')} "
        f"WHERE {_col(TeamProjectRole, 'project')} = p.id AND {_col(Team, 'organization')} = p.{_q('organization_id')} "
        f"AND {_col(OrganizationRole, 'user', 'm')} = %s)"
    )
    organization = (
        f"EXISTS (SELECT 1 FROM {_table(OrganizationRole)} o WHERE {_col(OrganizationRole, 'organization', 'o')} = "
        f"p.{_q('organization_id')} AND {_col(OrganizationRole, 'user', 'o')} = %s "
        f"AND ({_col(OrganizationRole, 'role', 'o')} = %s OR {team}))"
    )
    return f"({own} OR {organization})"


def _may_upload_params(user_id):
    return [user_id, user_id, OrganizationRole.Role.OWNER, user_id]


@functools.cache
def _has_sdist_sql(vendor):
    return f"EXISTS (SELECT 1 FROM {_table(File)} WHERE {_col(File, 'release')} = r.id AND {_col(File, 'packagetype')} = %s)"


@functools.cache
def _standing_sql(vendor):
    """mfa.selectors.user_upload_standing's two tests as two select-list expressions (7 parameters)."""
    email = (
        f"EXISTS (SELECT 1 FROM {_table(Email)} WHERE {_col(Email, 'user')} = %s AND {_col(Email, 'primary')} = %s "
        f"AND {_col(Email, 'verified')} = %s)"
    )
    app = f"EXISTS (SELECT 1 FROM {_table(TOTPDevice)} WHERE {_col(TOTPDevice, 'user')} = %s AND {_col(TOTPDevice, 'confirmed')} = %s)"
    key = (
        f"EXISTS (SELECT 1 FROM {_table(WebAuthnCredential)} WHERE {_col(WebAuthnCredential, 'user')} = %s "
        f"AND {_col(WebAuthnCredential, 'confirmed')} = %s)"
    )
    return f"{email}, ({app} OR {key})"


@functools.cache
def _taken_sql(vendor):
    """Whether a file has the name (1), the blake2 (2) or the sha256 digest (3), or the name was used (4)."""
    return (
        f"(EXISTS (SELECT 1 FROM {_table(File)} WHERE {_col(File, 'filename')} = %s) "
        f"OR EXISTS (SELECT 1 FROM {_table(File)} WHERE {_col(File, 'blake2_256_digest')} = %s) "
        f"OR EXISTS (SELECT 1 FROM {_table(File)} WHERE {_col(File, 'sha256_digest')} = %s) "
        f"OR EXISTS (SELECT 1 FROM {_table(FilenameRegistry)} WHERE {_col(FilenameRegistry, 'filename')} = %s))"
    )


@functools.cache
def _project_and_release_sql(vendor):
    columns = ", ".join([f"p.{_q(f.column)}" for f in _PROJECT_FIELDS] + [f"r.{_q(f.column)}" for f in _RELEASE_FIELDS])
    join = f"LEFT JOIN {_table(Release)} r ON {_col(Release, 'project', 'r')} = p.id AND {_col(Release, 'canonical_version', 'r')} = %s"
    return columns, join


@functools.cache
def _before_lock_sql(vendor, person, digest, name_length):
    columns, join = _project_and_release_sql(vendor)
    standing = _standing_sql(vendor) if person else "NULL, NULL"
    return (
        f"SELECT {columns}, {_has_sdist_sql(vendor)}, {_may_upload_sql(vendor) if person else 'NULL'}, {standing}, "
        f"{_taken_sql(vendor) if digest else 'NULL'}, {name_facts_sql(vendor, name_length)} "
        f"FROM (SELECT 1 AS one) AS one LEFT JOIN {_table(Project)} p ON p.{_q('normalized_name')} = %s {join}"
    )


@functools.cache
def _under_lock_sql(vendor, person):
    columns, join = _project_and_release_sql(vendor)
    return (
        f"SELECT {columns}, {_has_sdist_sql(vendor)}, {_may_upload_sql(vendor) if person else 'NULL'} "
        f"FROM {_table(Project)} p {join} WHERE p.id = %s"
    )


def _project_and_release(values, *, sdist):
    width = len(_PROJECT_FIELDS)
    project_values, release_values = values[:width], values[width : width + len(_RELEASE_FIELDS)]
    has_sdist = values[width + len(_RELEASE_FIELDS)]
    project = release = None
    if project_values[0] is not None:
        project = sql.instance(Project, project_values, _PROJECT_FIELDS)
    if release_values[0] is not None:
        release = sql.instance(Release, release_values, _RELEASE_FIELDS)
        release.has_sdist = bool(has_sdist) if sdist else False  # not asked of a wheel: it does not care
    return project, release


def before_lock(*, user_id, name, normalized_name, canonical_version, sdist, filename, digest):
    """Found, in one statement. `user_id`: the person uploading (None for an organisation or a publisher);
    `digest`: the file's, when it is known already (else `taken` is None)."""
    person, known = user_id is not None, digest is not None
    params = [File.PackageType.SDIST]
    if person:
        params += _may_upload_params(user_id)
        params += [user_id, True, True, user_id, True, user_id, True]
    if known:
        params += [filename, digest.blake2_256, digest.sha256, filename]
    params += [*name_facts_params(name), normalized_name, canonical_version]
    with cursor() as statement:
        statement.execute(_before_lock_sql(connection.vendor, person, known, len(normalized_name)), params)
        values = statement.fetchone()
    project, release = _project_and_release(values, sdist=sdist)
    rest = values[len(_PROJECT_FIELDS) + len(_RELEASE_FIELDS) + 1 :]
    may, verified, two_factor, is_taken = rest[:4]
    return Found(
        project=project,
        may_upload=bool(may),
        release=release,
        names=NameFacts.from_values(rest[4 : 4 + NameFacts.WIDTH]),
        taken=None if is_taken is None else bool(is_taken),
        verified=bool(verified),
        two_factor=bool(two_factor),
    )


def lock_project(project_id):
    """Lock the project's row until the transaction ends (uploads to it, and changes of its roles, wait)."""
    if connection.features.has_select_for_update:
        with cursor() as statement:
            statement.execute(f"SELECT 1 FROM {_table(Project)} WHERE id = %s FOR UPDATE", [project_id])


def under_lock(*, project_id, user_id, canonical_version, sdist):
    """(project, may_upload, release) as they are now: read after lock_project, in one statement, so
    that what committed while this upload waited for the lock is seen. project is None if it was removed."""
    person = user_id is not None
    params = [File.PackageType.SDIST, *(_may_upload_params(user_id) if person else ()), canonical_version, project_id]
    with cursor() as statement:
        statement.execute(_under_lock_sql(connection.vendor, person), params)
        values = statement.fetchone()
    if values is None:
        return None, False, None
    project, release = _project_and_release(values, sdist=sdist)
    return project, bool(values[-1]), release


def insert_file(file):
    """Elsewhere than on PostgreSQL (where write_rows writes it): insert `file` and its name into FilenameRegistry,
    IntegrityError if either is taken. Neither model has a save signal or a save() of its own."""
    file.save(force_insert=True)
    FilenameRegistry(filename=file.filename).save(force_insert=True)
    return file


# -- the writes, on PostgreSQL in one statement -------------------------------------------------------------


def _values(model, *, replaced=None):
    """One row's VALUES list for an INSERT of `model`: a placeholder a column, or for the columns in `replaced`
    (field name: SQL) that SQL instead (a key another part of the statement returns)."""
    replaced = replaced or {}
    return "(" + ", ".join(replaced.get(field.name, "%s") for field in sql.insert_fields(model)) + ")"


def _params(obj, *, skipped=()):
    fields = sql.insert_fields(type(obj))
    return [value for field, value in zip(fields, sql.insert_params(obj)) if field.name not in skipped]


@functools.cache
def _write_sql(vendor, new_release, journal_entries, events):
    """The statement of write_rows for its shape: whether the release is new, how many journal entries (0: the
    project's creation wrote them) and events. Every part is a data-modifying WITH, all of which run whatever the
    final SELECT reads of them."""
    parts = []
    if new_release:
        parts.append(
            f"new_release AS (INSERT INTO {_table(Release)} ({sql.insert_columns(Release)}) "
            f"VALUES {_values(Release)} RETURNING {_q('id')})"
        )
    release_id = {"release": f"(SELECT {_q('id')} FROM new_release)"} if new_release else None
    parts.append(
        f"registry AS (INSERT INTO {_table(FilenameRegistry)} ({sql.insert_columns(FilenameRegistry)}) "
        f"VALUES {_values(FilenameRegistry)})"
    )
    parts.append(
        f"new_file AS (INSERT INTO {_table(File)} ({sql.insert_columns(File)}) "
        f"VALUES {_values(File, replaced=release_id)} RETURNING {_q('id')})"
    )
    serial = "NULL"
    if journal_entries:
        rows = ", ".join([_values(JournalEntry)] * journal_entries)
        parts.append(
            f"journal AS (INSERT INTO {_table(JournalEntry)} ({sql.insert_columns(JournalEntry)}) VALUES {rows} "
            f"RETURNING {_q('id')})"
        )
        # journal_record_entries' rule: the serial never moves back (ids are handed out at insert, not at commit).
        last_serial, total_size = _col(Project, "last_serial"), _col(Project, "total_size")
        parts.append(
            f"project_serial AS (UPDATE {_table(Project)} SET {_q('last_serial')} = GREATEST({last_serial}, "
            f"(SELECT MAX({_q('id')}) FROM journal)), {_q('total_size')} = {total_size} + %s "
            f"WHERE {_q('id')} = %s RETURNING {_q('last_serial')})"
        )
        serial = f"(SELECT {_q('last_serial')} FROM project_serial)"
    rows = ", ".join([_values(SecurityEvent)] * events)
    parts.append(
        f"events AS (INSERT INTO {_table(SecurityEvent)} ({sql.insert_columns(SecurityEvent)}) VALUES {rows} "
        f"RETURNING {_q('id')})"
    )
    new_release_id = f"(SELECT {_q('id')} FROM new_release)" if new_release else "NULL"
    return (
        f"WITH {', '.join(parts)} SELECT {new_release_id}, (SELECT {_q('id')} FROM new_file), {serial}, "
        f"ARRAY(SELECT {_q('id')} FROM events ORDER BY {_q('id')})"
    )


def write_rows(*, project, release, file, journal, size_change, events):
    """On PostgreSQL, the upload's rows in one prepared statement: the release (when `release` is not saved yet),
    the file with its registered name, the `journal` entries (JournalEntry instances; none when the project's
    creation wrote them) with the project's serial and size moved as journal_record_entries moves them, and the
    built `events`. IntegrityError when the name or the bytes are taken, as the separate inserts raised it. Sets
    the ids on the instances, and the project's serial and size."""
    new_release = release.pk is None
    params = _params(release) if new_release else []
    params += _params(FilenameRegistry(filename=file.filename))
    params += _params(file, skipped=("release",) if new_release else ())
    if journal:
        for entry in journal:
            params += _params(entry)
        params += [size_change, project.pk]
    for event in events:
        params += _params(event)
    with cursor() as statement:
        statement.execute(_write_sql(connection.vendor, new_release, len(journal), len(events)), params)
        release_id, file_id, serial, event_ids = statement.fetchone()
    if new_release:
        sql.saved(release, release_id)
        file.release = release
    sql.saved(file, file_id)
    for event, event_id in zip(events, event_ids):
        sql.saved(event, event_id)
    if journal:
        project.last_serial = serial
        project.total_size = (project.total_size or 0) + size_change
