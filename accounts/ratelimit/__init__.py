"""Sliding-window rate limits kept in their own store (stores.py), so every process shares them
and no flood of other requests can evict them.

Each attempt is counted before it is judged (`consume`): the count is one
atomic increment whose result is then compared, so a burst of parallel requests
cannot all slip under the limit before any of them is counted. A limit of N per
window holds over *any* span of that length, not only within fixed windows: the
previous window's count is weighed by how much of it the span still covers (the
sliding-window counter), so a burst across a window's edge cannot double it.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.dispatch import Signal
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import ngettext

from . import stores
from .stores import RateLimitUnavailable  # noqa: F401 - part of this module's interface

# Sent on each refusal, before RateLimited is raised: the site counts refusals by the
# limit's name for its metrics (indexsite/metrics.py). kwargs: limit (the RateLimit's scope)
refused = Signal()

# Seconds a counter is kept past the end of the window that last reads it, for clocks a little apart.
EXPIRY_GRACE = 60


class RateLimited(Exception):
    def __init__(self, retry_after, scope=""):
        super().__init__(retry_after)
        self.retry_after = max(1, int(retry_after))
        self.scope = scope

    @property
    def minutes(self):
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self):
        """What every refused attempt tells the user, in the language of the page."""
        return ngettext(
            "Too many attempts. Try again in %(minutes)d minute.",
            "Too many attempts. Try again in %(minutes)d minutes.",
            self.minutes,
        ) % {"minutes": self.minutes}

    @property
    def wire_message(self):
        """The same words for machines (scripts, upload clients), which always read English."""
        with translation.override(None):
            return self.message


def rate_limited_response(request, template, context, error):
    """The page `template` answered with 429, `Retry-After` and the message as `rate_limited`."""
    context["rate_limited"] = error.message
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def rate_limited_text_response(error, *, reason=None):
    """The same answer for machines: 429, `Retry-After`, the message as the body and the reason phrase."""
    response = HttpResponse(error.wire_message + "\n", status=429, content_type="text/plain; charset=utf-8")
    response.reason_phrase = reason or error.wire_message
    response["Retry-After"] = str(error.retry_after)
    return response


REFUSE, ALLOW = "refuse", "allow"


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` hits in any `window` seconds for each key (an IP address, an account).

    `longer` adds limits over longer spans on the same keys, e.g. `((20, 3600), (50, 86400))`:
    an attempt must pass all of them. `when_unavailable` says what `consume` does when the
    store cannot be reached: REFUSE (the request answers 503) or ALLOW (it goes on uncounted).
    """

    scope: str
    limit: int
    window: int
    longer: tuple = ()
    when_unavailable: str = REFUSE

    def _spans(self, limit=None):
        return ((self.limit if limit is None else limit, self.window), *self.longer)

    def _counters(self, key, window, now):
        """The store keys of this window's and the previous window's counts, and how far into this window `now` is."""
        digest = hashlib.sha256(str(key).lower().encode()).hexdigest()[:32]
        number = int(now // window)
        base = f"{self.scope}:{window}:{digest}"
        return f"{base}:{number}", f"{base}:{number - 1}", (now - number * window) / window

    @staticmethod
    def _estimate(hits, previous, elapsed):
        # The sliding-window count: the previous window's hits weighted by how much of
        # it the last `window` seconds still cover, plus this window's.
        return previous * (1 - elapsed) + hits

    @staticmethod
    def _wait(limit, window, hits, previous, elapsed):
        """Seconds until one more hit would pass, given `hits` in this window (without the refused one)."""
        if hits + 1 <= limit:
            # This window has room: wait until the previous one's weight has shrunk enough.
            share = (limit - hits - 1) / previous if previous else 1
            return max(0.0, window * (1 - share) - elapsed * window)
        # This window is full: wait into the next, until this one's weight has shrunk enough;
        # never longer than a window, after which every hit counted now lies outside the span
        # (the estimate, which spreads them over the window, may still refuse for a few seconds).
        if hits <= 0:  # a limit of 0: nothing ever passes
            return window
        return min(window, window * (1 - elapsed) + window * (1 - (limit - 1) / hits))

    def consume(self, *keys, limit=None):
        """Count one hit against every key, then raise RateLimited if any key is over its limit.

        Counting first makes the check atomic: of N parallel attempts exactly
        `limit` get through. A refused hit is given back (it was never an
        attempt), and keys after a refused one are not counted. `limit`
        overrides the shortest span's limit (a setting read per call).
        """
        now = time.time()
        db = stores.store()
        counted = []
        over, wait = False, 0.0
        try:
            for key in keys:
                if not key:
                    continue
                for span_limit, window in self._spans(limit):
                    current, previous, elapsed = self._counters(key, window, now)
                    expires = int((now // window + 2) * window) + EXPIRY_GRACE
                    hits, previous_hits = db.hit(current, previous, delta=1, expires=expires, now=now)
                    counted.append(current)
                    if self._estimate(hits, previous_hits, elapsed) > span_limit:
                        over = True
                        wait = max(wait, self._wait(span_limit, window, hits - 1, previous_hits, elapsed))
                if over:
                    for current in counted:
                        db.add(current, -1)
                    refused.send(sender=RateLimit, limit=self.scope)
                    raise RateLimited(math.ceil(wait), scope=self.scope)
        except stores.RateLimitUnavailable:
            if self.when_unavailable == ALLOW:
                return
            raise

    def exhausted(self, *keys):
        """Whether any key has used up its hits: a read to refuse early, never the guard (that is `consume`).

        When the store cannot be reached it answers no: `consume` then decides."""
        now = time.time()
        try:
            for key in keys:
                if not key:
                    continue
                for span_limit, window in self._spans():
                    current, previous, elapsed = self._counters(key, window, now)
                    counts = stores.store().get_many([current, previous])
                    if self._estimate(counts.get(current, 0), counts.get(previous, 0), elapsed) + 1 > span_limit:
                        return True
        except stores.RateLimitUnavailable:
            return False
        return False

    def refund(self, *keys):
        """Give back the hit of an attempt that turned out not to count (a success, for a limit on failures).

        The hit is taken from this window's count, or the previous one's if this window has none yet."""
        now = time.time()
        try:
            for key in keys:
                if key:
                    for _, window in self._spans():
                        current, previous, _ = self._counters(key, window, now)
                        stores.store().take_back(current, previous)
        except stores.RateLimitUnavailable:
            pass  # a refund is a courtesy: the store being down must not fail the success it follows

    def clear(self, *keys):
        now = time.time()
        names = []
        for key in keys:
            if key:
                for _, window in self._spans():
                    names.extend(self._counters(key, window, now)[:2])
        stores.store().delete(names)


login_failures = RateLimit("login", limit=10, window=300)
password_reset_requests = RateLimit("password-reset", limit=10, window=300)  # per IP
# Per account (or, for a login that names none, per login, so a refusal says nothing about existence): PyPI's 5 a day.
password_reset_requests_per_account = RateLimit("password-reset-account", limit=5, window=24 * 3600)
registrations = RateLimit("register", limit=10, window=3600)  # per IP; limit from settings
verification_resends = RateLimit("verify-resend", limit=5, window=3600)  # per user
