"""Which names are ours: never fetched from the upstream, whatever versions it has there.

A name is ours when a project of that name exists here (any visibility, any state, an
organisation's project without releases included), when a pending trusted publisher
waits to create it, or when an organisation reserved it or a prefix of it.
"""

from django.db.models import Q

from organizations.models import NameReservation
from tokens.publishing.models import TrustedPublisher

from ..models import Project

HOSTED = "hosted"
RESERVED = "reserved"


def reservation_for(normalized_name):
    """The organisation's reservation covering `normalized_name` (the name itself, or a prefix of it), or None."""
    prefixes = [normalized_name[:length] for length in range(1, len(normalized_name) + 1)]
    return (
        NameReservation.objects.filter(Q(name__in=prefixes, prefix=True) | Q(name=normalized_name, prefix=False))
        .select_related("organization")
        .first()
    )


def ours(normalized_name):
    """HOSTED, RESERVED or None (a name the upstream may serve). Three indexed queries at most."""
    if Project.objects.filter(normalized_name=normalized_name).exists():
        return HOSTED
    if TrustedPublisher.objects.filter(pending=True, project_name=normalized_name).exists():
        return HOSTED
    if reservation_for(normalized_name) is not None:
        return RESERVED
    return None
