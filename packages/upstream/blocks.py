"""Staff block upstream projects or single versions: gone from pages at once, downloads refused with the reason."""

from django.db import transaction
from packaging.utils import canonicalize_name, canonicalize_version

from accounts.events import record_event

from .. import storage
from ..events import EventTag
from ..index import fastpath
from .models import UpstreamBlock


def version_of(filename):
    """The canonical version a wheel or sdist filename carries, or None."""
    named = storage.distribution_named(filename)
    return named[1] if named else None


def blocks_of(normalized_name):
    """{canonical version or "": reason} of the blocks on `normalized_name` ("" blocks every version). One query."""
    return {
        (canonicalize_version(version) if version else ""): reason
        for version, reason in UpstreamBlock.objects.filter(normalized_name=normalized_name).values_list("version", "reason")
    }


def blocked(blocks, filename):
    """The reason `filename` is blocked by `blocks` (from blocks_of), or None."""
    if "" in blocks:
        return blocks[""]
    return blocks.get(version_of(filename))


def block_add(*, request=None, actor, name, version="", reason):
    normalized = canonicalize_name(name)
    with transaction.atomic():
        block, _ = UpstreamBlock.objects.update_or_create(
            normalized_name=normalized, version=version.strip(), defaults={"reason": reason, "created_by": actor}
        )
        record_event(
            tag=EventTag.PROJECT_UPSTREAM_BLOCK,
            request=request,
            user=actor,
            project_name=normalized,
            details={"version": block.version or "all", "reason": reason},
        )
        fastpath.project_changed(name=normalized)  # pages, the fast path and the edge drop it at once
    return block


def block_remove(*, request=None, actor, block):
    with transaction.atomic():
        block.delete()
        record_event(
            tag=EventTag.PROJECT_UPSTREAM_UNBLOCK,
            request=request,
            user=actor,
            project_name=block.normalized_name,
            details={"version": block.version or "all"},
        )
        fastpath.project_changed(name=block.normalized_name)
