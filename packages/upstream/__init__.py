"""The upstream index served through this one: one index URL for a team, never mixed with a name of ours.

- `names`: which names are ours (a project here of any visibility or state, a pending
  publisher's name, an organisation's reservation): those are never fetched from the
  upstream, whatever versions it has.
- `pages`: an upstream project's file list, fetched (PEP 691 JSON, HTML as fallback,
  conditionally when a copy exists), checked and kept; fresh for UPSTREAM_CACHE_SECONDS,
  and the last copy is served when the upstream fails.
- `files`: a file (or its PEP 658 metadata) fetched on its first download through this
  index, streamed to storage, checked against the upstream's sha256 before anything is kept
  or served, then served from storage. Parallel first downloads fetch it once.

Every request to the upstream goes through `outbound.client` (deadline, size limit,
same-host redirects only, no private or link-local address).
"""
