"""Requests this site makes to other servers, all through one client (outbound.client).

Where it sits: at the foot of the tower, below accounts, depending on nothing of
ours. Trusted publishing (tokens.publishing.keys, an issuer's discovery document
and key set) fetches through it today, and an upstream index (packages) will
tomorrow; both may import downwards only, so the one place both can reach is a
package below every app. It is not in accounts (it has nothing to do with
people) nor in indexsite (settings and URLs only), and it is a plain package,
not a Django app: it has no models, views or settings of its own; callers pass
the deadline and the size their use needs.
"""

from .client import OutboundError, fetch

__all__ = ["OutboundError", "fetch"]
