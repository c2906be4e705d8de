"""The fast path's bounded caches: what each process keeps, at most so many bytes, the least recently used dropped first.

Two are the fast path's own: the responses the front layer replays
(`replay.IndexFastPath`, `INDEX_FASTPATH_BYTES`) and the latest documents read
from the shared cache (`documents`, `INDEX_LOCAL_BYTES`), so the large root
index is not read back from the cache on every request. A budget counts what
an entry really holds: its key, its headers and its body, plus a fixed cost
for the objects around them.
"""

import threading
from collections import OrderedDict

from django.conf import settings

# Bytes of responses replayed in front of Django, per process.
REPLAY_BYTES = settings.INDEX_FASTPATH_BYTES
# Bytes of documents kept beside the shared cache, per process.
LOCAL_BYTES = settings.INDEX_LOCAL_BYTES
# What an entry costs beyond the bytes counted: the objects holding key, headers and body.
ENTRY_OVERHEAD = 1024


class BoundedCache:
    """The most recently used entries of this process, at most `limit` bytes by `size(entry)`. Thread-safe."""

    def __init__(self, limit, size):
        self.limit, self.measure = limit, size
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        if self.measure(entry) > self.limit:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= self.measure(old)
            self.entries[key] = entry
            self.size += self.measure(entry)
            while self.size > self.limit:
                _, dropped = self.entries.popitem(last=False)
                self.size -= self.measure(dropped)

    def discard(self, key):
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= self.measure(old)


def document_size(key, document):
    """What a kept document holds: its key, its body and its headers."""
    headers = sum(len(str(name)) + len(str(value)) for name, value in document.headers.items())
    return len(key) + len(document.body) + headers + ENTRY_OVERHEAD


class _Documents:
    """The latest documents of this process, by their cache key (`rendering.cached`)."""

    def __init__(self, limit):
        self.kept = BoundedCache(limit, size=lambda item: document_size(*item))

    def get(self, key):
        item = self.kept.get(key)
        return None if item is None else item[1]

    def put(self, key, document):
        self.kept.put(key, (key, document))


documents = _Documents(LOCAL_BYTES)
