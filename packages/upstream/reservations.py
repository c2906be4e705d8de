"""Organisations reserve names and prefixes: never fetched from the upstream, created only by them.

A reservation is refused when another organisation's reservation overlaps it (one covers a name
the other covers) or when a project not owned by the organisation already has a name it covers.
Reservations, and the creation of projects, take one site-wide lock (a transaction-level advisory lock on
PostgreSQL): two organisations cannot reserve overlapping names at once, and a project cannot be created
under a name that a reservation made at the same moment covers.
"""

import re

from django.db import connection, transaction
from django.utils.translation import gettext, gettext_lazy
from packaging.utils import canonicalize_name

from accounts.events import record_event
from organizations.models import NameReservation, OrganizationRole

from ..errors import InvalidUpload, NotAllowed, PackagesError
from ..events import EventTag
from ..models import Project
from .names import reservation_for

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9-])?$")
# A constant key for PostgreSQL's advisory lock: reservations and project creations, one at a time.
_LOCK_KEY = 0x726573657276  # "reserv"
MAX_RESERVATIONS = 100
RESERVED_MESSAGE = gettext_lazy(
    "The name %(name)r is reserved by the organisation %(organization)r: only the organisation can create it "
    "(with its token, or on its projects page)."
)


def parse(pattern):
    """(normalized name, prefix?) of what an Owner typed: `acme-tools`, or `acme-*` for every name starting
    with `acme-` (`acme_*` and `acme.*` mean the same). PackagesError for anything else."""
    pattern = (pattern or "").strip()
    prefix = pattern.endswith("*")
    stem = pattern[:-1] if prefix else pattern
    normalized = canonicalize_name(stem) if stem else ""
    if prefix and stem[-1:] in "-_.":
        normalized = normalized.rstrip("-") + "-"
    if not normalized or len(normalized) > 100 or not _NAME.match(normalized) or (not prefix and normalized.endswith("-")):
        raise PackagesError(
            gettext(
                "%(pattern)r is not a name or prefix to reserve: use a project name such as acme-tools, "
                "or a prefix ending in * such as acme-*."
            )
            % {"pattern": pattern}
        )
    return normalized, prefix


def _overlaps(name, prefix, other):
    if prefix and other.prefix:
        return name.startswith(other.name) or other.name.startswith(name)
    if prefix:
        return other.name.startswith(name)
    if other.prefix:
        return name.startswith(other.name)
    return name == other.name


def _require_owner(*, actor, organization):
    if not OrganizationRole.objects.filter(organization=organization, user=actor, role=OrganizationRole.Role.OWNER).exists():
        raise NotAllowed(gettext("Only the organisation's Owners can reserve names."))


def _lock_names():
    """Until the current transaction ends, no other reservation is made and no other project created."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def creation_check(name, *, organization_id):
    """Inside the transaction that creates project `name` (for `organization_id`, or a person's: None): take the
    reservations' lock and refuse a name another organisation reserved. The early check of the upload's name rules
    gives the same refusal before any work; this one holds against a reservation made meanwhile."""
    _lock_names()
    reservation = reservation_for(canonicalize_name(name))
    if reservation is not None and reservation.organization_id != organization_id:
        raise InvalidUpload(str(RESERVED_MESSAGE % {"name": name, "organization": reservation.organization.name}))


def reservation_create(*, request=None, actor, organization, pattern):
    """An Owner reserves a name or prefix for `organization`; returns the NameReservation."""
    name, prefix = parse(pattern)
    shown = f"{name}*" if prefix else name
    with transaction.atomic():
        _lock_names()
        _require_owner(actor=actor, organization=organization)
        existing = list(NameReservation.objects.select_related("organization"))
        if sum(1 for r in existing if r.organization_id == organization.pk) >= MAX_RESERVATIONS:
            raise PackagesError(gettext("An organisation can hold at most %(count)d reservations.") % {"count": MAX_RESERVATIONS})
        for other in existing:
            if not _overlaps(name, prefix, other):
                continue
            if other.organization_id == organization.pk and (other.name, other.prefix) == (name, prefix):
                raise PackagesError(gettext("%(name)s is already reserved by the organisation.") % {"name": shown})
            if other.organization_id != organization.pk:
                raise PackagesError(
                    gettext("%(name)s overlaps a name another organisation has reserved.") % {"name": shown}
                )
        covered = Project.objects.filter(normalized_name__startswith=name) if prefix else Project.objects.filter(
            normalized_name=name
        )
        if covered.exclude(organization=organization).exists():
            raise PackagesError(
                gettext("%(name)s covers the name of a project that does not belong to the organisation.") % {"name": shown}
            )
        reservation = NameReservation.objects.create(organization=organization, name=name, prefix=prefix, created_by=actor)
        record_event(
            tag=EventTag.ORGANIZATION_RESERVATION_ADD,
            request=request,
            user=actor,
            organization_name=organization.name,
            details={"reserved": shown},
        )
    return reservation


def reservation_remove(*, request=None, actor, organization, reservation_id):
    with transaction.atomic():
        _require_owner(actor=actor, organization=organization)
        reservation = NameReservation.objects.select_for_update().filter(pk=reservation_id, organization=organization).first()
        if reservation is None:
            raise PackagesError(gettext("That reservation is not the organisation's (any more)."))
        reservation.delete()
        record_event(
            tag=EventTag.ORGANIZATION_RESERVATION_REMOVE,
            request=request,
            user=actor,
            organization_name=organization.name,
            details={"reserved": str(reservation)},
        )
    return reservation
