"""The one-time display slot behind the "copy your new token" page.

Creating or rotating a token answers with a redirect (POST-redirect-GET), so a
reload never submits the form again. The secret waits for that GET sealed:
the server-side cache holds it encrypted (Fernet, a fresh key per slot) under a
random slot id, and the key travels only in a cookie of the browser that made
the token (HttpOnly, SameSite=Strict, limited to the display page, gone after
`SLOT_SECONDS`). So neither the cache (a database table by default) nor the
session, a URL or a log ever holds the raw token or the key to it together.
The first read deletes the slot (the cache's delete says whether this request
removed it, so two readers cannot both see it).
"""

import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.core.cache import cache

SLOT_SECONDS = 5 * 60
COOKIE_PREFIX = "token-display-"


def _key(slot):
    return f"tokens:display:{slot}"


def display_cookie_name(slot):
    return COOKIE_PREFIX + slot


def display_slot_fill(*, user, token, raw, rotated_from=None):
    """Keep `raw` sealed for one display to `user`; returns (slot id for the URL, key for the browser's cookie)."""
    slot = secrets.token_urlsafe(24)
    key = Fernet.generate_key()
    cache.set(
        _key(slot),
        {
            "user_id": user.pk,
            "token_id": token.pk,
            "sealed": Fernet(key).encrypt(raw.encode()).decode(),
            "rotated_from_id": rotated_from.pk if rotated_from is not None else None,
        },
        SLOT_SECONDS,
    )
    return slot, key.decode()


def display_slot_take(*, user, slot, key):
    """The slot's content with its `raw` token, for its own user holding its key, deleted by this read.

    None when gone, expired, not theirs, or the key does not open it.
    """
    if not slot or len(slot) > 64 or not key:
        return None
    content = cache.get(_key(slot))
    if content is None or content["user_id"] != user.pk:
        return None
    if not cache.delete(_key(slot)):
        return None
    try:
        raw = Fernet(key.encode()).decrypt(content["sealed"].encode()).decode()
    except (InvalidToken, ValueError, TypeError):
        return None
    return {**content, "raw": raw}
