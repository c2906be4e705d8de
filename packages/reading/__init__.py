"""Who may read what: private projects, a private index, and the credentials readers present.

One rule (`rules.may_read`) decides whether a reader may see a project; every
read path (simple pages, JSON, files, project/user/organisation pages, search,
the root index, upload probes) and every cache in front of them asks it:

- `readers`: who is asking. A signed-in person (session), a token presented as
  HTTP Basic (`__token__`) or Bearer, or nobody. A token's reader is resolved
  once per *access generation* and kept in this process, so an authenticated
  read costs one HMAC of the header and a dictionary lookup.
- `rules`: what a reader may read, and the same rule as a query filter for
  listings (search, user and organisation pages, the root index).
- `access`: the access generation, moved by every change that can change what
  someone may read (roles, teams, memberships, visibility, tokens, staff and
  active flags), in the change's transaction and again after it commits.
- `views`: the decorators read views wear: credentials checked (401 with the
  cause), `PRIVATE_INDEX` enforced, and responses to credentials made private
  (never shared by a cache).
"""
