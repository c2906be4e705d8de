"""The fast path: what installers read, answered again without Django while what it shows is unchanged.

Its rules, each in one module of this package:
- `generations`: one number per project (and the root index) in the shared
  cache, moved by every change (`project_changed`), read before the database;
- `replay`: a view marks a response with the project and generation it showed
  (`mark`); the front layer (`IndexFastPath`) keeps it under the negotiated
  representation, the origin and the reader's view, and replays it while the
  generation stands;
- `caches`: the bounded caches of each process (the replayed responses,
  `INDEX_FASTPATH_BYTES`; the latest documents, `INDEX_LOCAL_BYTES`).

Modules below the front layer (the documents, the reading rules) import
`generations` and `caches` themselves; the rest of the site imports from here.
"""

from .caches import LOCAL_BYTES, REPLAY_BYTES, BoundedCache, documents
from .generations import INDEX, bump, generation, project_changed  # (`generations`, the module, stays the module)
from .replay import IndexFastPath, Mark, mark

__all__ = [
    "BoundedCache", "INDEX", "IndexFastPath", "LOCAL_BYTES", "Mark", "REPLAY_BYTES",
    "bump", "documents", "generation", "mark", "project_changed",
]
