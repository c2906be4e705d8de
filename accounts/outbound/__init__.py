"""Requests this site makes to other servers, all through one client (`client.fetch`).

Where it sits: in accounts, the app at the foot of the tower, beside the other
pieces every app leans on (rate limits, mail, the cache table). Trusted publishing
(tokens.publishing.keys, an issuer's discovery document and key set) and the
upstream index (packages.upstream) both fetch through it, and both may import
downwards only. It depends on nothing else of ours and has no models, views or
settings: callers pass the deadline and the size their use needs.
"""

from .client import OutboundError, fetch

__all__ = ["OutboundError", "fetch"]
