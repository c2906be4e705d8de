"""The token string: how it is made, split and digested. No database access here."""

import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

IDENTIFIER_BYTES = 8  # 16 hex characters, public
SECRET_BYTES = 32  # 256 bits of randomness, the part that is never stored
_KEY_SALT = "tokens.APIToken.digest"
_IDENTIFIER_RE = re.compile(r"[0-9a-f]{%d}" % (IDENTIFIER_BYTES * 2))
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class TokenParts:
    identifier: str
    secret: str


def generate():
    """A new (raw token string, identifier, secret)."""
    identifier = secrets.token_hex(IDENTIFIER_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return f"{settings.API_TOKEN_PREFIX}{identifier}_{secret}", identifier, secret


def parse(raw):
    """Split a token string into its parts, or None when it is not one of ours.

    A token with another service's prefix, a wrong length or stray characters
    is simply not a token: callers answer "invalid" without touching the database.
    """
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    prefix = settings.API_TOKEN_PREFIX
    if not raw.startswith(prefix):
        return None
    identifier, sep, secret = raw[len(prefix) :].partition("_")
    if not sep or not _IDENTIFIER_RE.fullmatch(identifier) or not _SECRET_RE.fullmatch(secret):
        return None
    return TokenParts(identifier, secret)


def digest(identifier, secret, *, key=None):
    """HMAC-SHA256 of the token, keyed by SECRET_KEY (or `key`), as 64 hex characters.

    The identifier is part of the message, so a digest cannot be moved to another row.
    """
    return salted_hmac(_KEY_SALT, f"{identifier}:{secret}", secret=key, algorithm="sha256").hexdigest()


def matches(parts, stored_digest):
    """Compare in constant time against the current key, then SECRET_KEY_FALLBACKS.

    Returns "current", "fallback" (the caller should store a fresh digest) or None.
    """
    if hmac.compare_digest(digest(parts.identifier, parts.secret), stored_digest):
        return "current"
    for key in getattr(settings, "SECRET_KEY_FALLBACKS", []):
        if hmac.compare_digest(digest(parts.identifier, parts.secret, key=key), stored_digest):
            return "fallback"
    return None
