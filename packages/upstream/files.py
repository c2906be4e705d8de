"""An upstream file (or its PEP 658 metadata), fetched on its first download and served from storage after.

Only a file listed on a kept page can be fetched (its URL came from that page, checked there), so a
request can never make this site fetch a URL of its choosing. The bytes are streamed to a temporary
file while their sha256 and blake2b are computed; nothing is stored unless the sha256 is the one the
upstream's page gave and the size is within UPSTREAM_FILE_LIMIT. The file's row is locked for the
fetch, so parallel first downloads fetch it once: the others wait, then find it stored. A stored
file is written before its row commits and removed if the commit fails, as uploads are.
"""

import logging
import tempfile
import time

from django.conf import settings
from django.core.files import File as DjangoFile
from django.db import transaction
from django.utils import timezone

from accounts.outbound.client import OutboundError, fetch

from .. import storage
from .models import UpstreamFile
from .pages import Unavailable
from .signals import report

logger = logging.getLogger(__name__)


def stored(row, *, metadata=False):
    """The storage path of `row`'s bytes (or its metadata's), fetching them first if they are not here yet."""
    kept = row.metadata_path if metadata else row.path
    if kept:
        return kept
    written = []
    try:
        with transaction.atomic():
            row = UpstreamFile.objects.select_for_update().get(pk=row.pk)
            kept = row.metadata_path if metadata else row.path
            if kept:
                return kept  # another request fetched it while this one waited
            expected = row.metadata_sha256 if metadata else row.sha256_digest
            url = row.url + (storage.METADATA_SUFFIX if metadata else "")
            name = row.filename + (storage.METADATA_SUFFIX if metadata else "")
            path, size = _fetch(url, expected=expected, filename=name, written=written)
            if metadata:
                row.metadata_path = path
                row.save(update_fields=["metadata_path"])
            else:
                row.path, row.size, row.stored = path, size, timezone.now()
                row.save(update_fields=["path", "size", "stored"])
            return path
    except BaseException:
        # The row never said the bytes were here: remove what was written.
        for name_written in written:
            storage.delete_one(name_written)
        raise


def _fetch(url, *, expected, filename, written):
    limit = settings.UPSTREAM_FILE_LIMIT
    digest = storage.StreamDigest(limit)
    with tempfile.TemporaryFile() as spool:

        def sink(chunk):
            digest.update(chunk)
            spool.write(chunk)

        started = time.monotonic()
        try:
            response = fetch(url, deadline=settings.UPSTREAM_FILE_TIMEOUT, max_bytes=limit, accept="*/*", sink=sink)
        except OutboundError as error:
            logger.warning("upstream file %s: %s", filename, error)
            timed_out = "did not answer within" in str(error)
            report("file", "timeout" if timed_out else "failed", started)
            raise Unavailable(
                504 if timed_out else 502,
                f"{'Gateway Timeout' if timed_out else 'Bad Gateway'}: the upstream index did not give {filename!r};"
                " nothing was kept. Try again later.",
            ) from None
        if response.status != 200:
            logger.warning("upstream file %s: %s answered %s", filename, url, response.status)
            report("file", "failed", started)
            raise Unavailable(502, f"Bad Gateway: the upstream index answered {response.status} for {filename!r}.")
        if digest.sha256 != expected:
            logger.error("upstream file %s: sha256 %s, the page said %s", filename, digest.sha256, expected)
            report("file", "hash_mismatch", started)
            raise Unavailable(
                502,
                f"Bad Gateway: the upstream's {filename!r} does not have the sha256 its page gives; nothing was kept.",
            )
        path = storage.file_path(blake2_256=digest.blake2_256, filename=filename)
        # Noted before the write, so a write that fails half-way is removed too.
        written.append(path)
        storage.store(path=path, content=DjangoFile(spool, name=filename))
    report("file", "fetched", started, size=digest.size)
    return path, digest.size
