"""What the upstream did, for whoever counts it (the site's metrics, indexsite/metrics.py).

`fetched` is sent once for each request this index made to the upstream, after it ended:
`kind` is "page" or "file"; `outcome` one of OUTCOMES; `seconds` how long it took; `size` the
bytes received (0 when nothing was kept).
"""

import time

from django.dispatch import Signal

fetched = Signal()

# fetched: a new copy (page) or stored bytes (file); not_modified: the copy was still current (304);
# missing: the upstream has no such project (404); timeout: the deadline passed; failed: any other
# failure (refused address, bad status, unreadable page, oversize); hash_mismatch: a file's sha256
# is not the one its page gave.
OUTCOMES = ("fetched", "not_modified", "missing", "timeout", "failed", "hash_mismatch")


def report(kind, outcome, started, size=0):
    fetched.send(sender=None, kind=kind, outcome=outcome, seconds=time.monotonic() - started, size=size)
