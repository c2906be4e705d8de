"""The one-time display slot behind the "copy your new token" page.

Creating or rotating a token answers with a redirect (POST-redirect-GET), so a
reload never submits the form again. The secret waits for that GET in the
server-side cache under a random slot id, never in the session or a URL; the
first read deletes it (the cache's delete says whether this request removed
it, so two readers cannot both see it) and an unread slot expires after
`SLOT_SECONDS`.
"""

import secrets

from django.core.cache import cache

SLOT_SECONDS = 5 * 60


def _key(slot):
    return f"tokens:display:{slot}"


def display_slot_fill(*, user, token, raw, rotated_from=None):
    """Keep `raw` for one display to `user`; returns the slot id for the redirect's URL."""
    slot = secrets.token_urlsafe(24)
    cache.set(
        _key(slot),
        {
            "user_id": user.pk,
            "token_id": token.pk,
            "raw": raw,
            "rotated_from_id": rotated_from.pk if rotated_from is not None else None,
        },
        SLOT_SECONDS,
    )
    return slot


def display_slot_take(*, user, slot):
    """The slot's content for its own user, deleted by this read; None when gone, expired or not theirs."""
    if not slot or len(slot) > 64:
        return None
    content = cache.get(_key(slot))
    if content is None or content["user_id"] != user.pk:
        return None
    if not cache.delete(_key(slot)):
        return None
    return content
