"""The name policy of new projects: the rules applied to what the database knows, and the daily allowance.

`new_project_name_check` is the one check of a new project's name, for a first upload and for an
organisation creating a project by name alike. What it needs from the database (prohibited, reserved
by which organisation, the look-alike project) is read in one statement (`name_facts`), whose parts
(`name_facts_sql`, `name_facts_params`) the upload reads with the rest of what it needs.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from packaging.utils import canonicalize_name

from accounts import sql
from accounts.ratelimit import ALLOW, RateLimit, RateLimited
from accounts.services import rate_limit_record
from organizations.models import NameReservation, Organization

from ..errors import InvalidUpload, UploadRateLimited
from ..models import ProhibitedProjectName, Project, confusable_name
from ..upstream.reservations import RESERVED_MESSAGE
from . import rules


@dataclass(frozen=True)
class NameFacts:
    """What the database knows of a name a new project would take."""

    prohibited: bool
    reserved_by_id: int | None  # the organisation whose reservation covers the name
    reserved_by: str | None  # and its name
    similar_to: str | None  # the name of another project that looks like it

    WIDTH = 4  # how many values name_facts_sql selects

    @classmethod
    def from_values(cls, values):
        prohibited, reserved_by_id, reserved_by, similar_to = values
        return cls(bool(prohibited), reserved_by_id, reserved_by, similar_to)


@functools.cache
def name_facts_sql(vendor, name_length):
    """The SQL of NameFacts.WIDTH select-list expressions for a normalized name of `name_length`
    characters (its parameters: name_facts_params), built once for each length.

    The same reads as ProhibitedProjectName by name, upstream.names.reservation_for and a look-alike
    project other than the name's own (a parallel first upload may have just created that one).
    """
    r, o = NameReservation, Organization
    covering = (
        f"FROM {sql.table(r)} INNER JOIN {sql.table(o)} ON {sql.column(o, 'id')} = {sql.column(r, 'organization')} "
        f"WHERE ({sql.column(r, 'name')} IN ({', '.join(['%s'] * name_length)}) AND {sql.column(r, 'prefix')} = %s) "
        f"OR ({sql.column(r, 'name')} = %s AND {sql.column(r, 'prefix')} = %s) ORDER BY {sql.column(r, 'name')} LIMIT 1"
    )
    return ", ".join(
        [
            f"EXISTS (SELECT 1 FROM {sql.table(ProhibitedProjectName)} WHERE {sql.column(ProhibitedProjectName, 'name')} = %s)",
            f"(SELECT {sql.column(r, 'organization')} {covering})",
            f"(SELECT {sql.column(o, 'name')} {covering})",
            f"(SELECT {sql.column(Project, 'name')} FROM {sql.table(Project)} WHERE {sql.column(Project, 'confusable_name')} = %s "
            f"AND {sql.column(Project, 'normalized_name')} <> %s ORDER BY {sql.column(Project, 'normalized_name')} LIMIT 1)",
        ]
    )


def name_facts_params(name):
    normalized = canonicalize_name(name)
    prefixes = [normalized[:length] for length in range(1, len(normalized) + 1)]
    covering = [*prefixes, True, normalized, False]
    return [normalized, *covering, *covering, confusable_name(name), normalized]


def name_facts(name):
    """NameFacts of `name`, in one statement."""
    statement = name_facts_sql(connection.vendor, len(canonicalize_name(name)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + statement, name_facts_params(name))
        return NameFacts.from_values(cursor.fetchone())


def new_project_name_check(name, *, organization_id=None, facts=None):
    """The rules for the name of a new project, however it is created: raise InvalidUpload unless `name` may be used.

    Not prohibited by staff, not reserved by an organisation other than `organization_id` (the
    organisation creating it, if any), not a look-alike of an existing project, not a standard library
    module. (A project of exactly this name is the caller's business: an upload adds to it, creating
    by name refuses it.) `facts`: the name's NameFacts if already read.
    """
    facts = facts if facts is not None else name_facts(name)
    rules.check_name_not_prohibited(name, prohibited=facts.prohibited)
    if facts.reserved_by_id is not None and facts.reserved_by_id != organization_id:
        raise InvalidUpload(str(RESERVED_MESSAGE % {"name": name, "organization": facts.reserved_by}))
    rules.check_name_not_confusable(name, similar_to=facts.similar_to)
    rules.check_name_not_stdlib(name)


project_creations = RateLimit("project-create", limit=20, window=24 * 3600, when_unavailable=ALLOW)


def project_creation_count(*, request, key, person=None):
    """Count one new project against the daily allowance of `key` ("user:<id>" or "organization:<id>")."""
    try:
        project_creations.consume(key, limit=settings.PROJECT_CREATION_RATE_LIMIT)
    except RateLimited as error:
        rate_limit_record(request=request, error=error, user=person)
        raise UploadRateLimited(
            f"Too many new projects. You can create {settings.PROJECT_CREATION_RATE_LIMIT} a day; "
            f"try again in {error.minutes} minutes.",
            retry_after=error.retry_after,
        ) from None
