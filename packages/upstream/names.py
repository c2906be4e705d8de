"""Which names are ours: never fetched from the upstream, whatever versions it has there.

A name is ours when a project of that name exists here (any visibility, any state, an
organisation's project without releases included), when a pending trusted publisher
waits to create it, or when an organisation reserved it or a prefix of it.
"""

from django.db.models import Q, Value

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
    """HOSTED, RESERVED or None (a name the upstream may serve). One query: the three questions in a UNION."""
    hosted = Project.objects.filter(normalized_name=normalized_name)
    pending = TrustedPublisher.objects.filter(pending=True, project_name=normalized_name)
    prefixes = [normalized_name[:length] for length in range(1, len(normalized_name) + 1)]
    reserved = NameReservation.objects.filter(Q(name__in=prefixes, prefix=True) | Q(name=normalized_name, prefix=False))
    kinds = set(
        hosted.annotate(upstream_claim=Value(HOSTED)).order_by().values_list("upstream_claim", flat=True).union(
            pending.annotate(upstream_claim=Value(HOSTED)).order_by().values_list("upstream_claim", flat=True),
            reserved.annotate(upstream_claim=Value(RESERVED)).order_by().values_list("upstream_claim", flat=True),
            all=True,
        )
    )
    if HOSTED in kinds:
        return HOSTED
    return RESERVED if RESERVED in kinds else None
