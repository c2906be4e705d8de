"""Fixed-window rate limits kept in Django's cache, so every process shares them.

Each attempt is counted before it is judged (`consume`): the count and the
comparison are one atomic cache increment, so a burst of parallel requests
cannot all slip under the limit before any of them is counted.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.dispatch import Signal
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import ngettext

# Sent on each refusal, before RateLimited is raised: the site counts refusals by the
# limit's name for its metrics (indexsite/metrics.py). kwargs: limit (the RateLimit's scope)
refused = Signal()


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


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` hits per `window` seconds for each key (an IP address, an account)."""

    scope: str
    limit: int
    window: int

    def _cache_key(self, key, now):
        digest = hashlib.sha256(str(key).lower().encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}:{int(now // self.window)}"

    def _retry_after(self, now):
        return self.window - (now % self.window)

    def _incr(self, cache_key, delta):
        # The key carries its window's number and outlives the window, so it
        # never expires while it is counted.
        cache.add(cache_key, 0, timeout=self.window + 1)
        try:
            return cache.incr(cache_key, delta)
        except ValueError:  # evicted between add and incr
            cache.add(cache_key, max(delta, 0), timeout=self.window + 1)
            return max(delta, 0)

    def consume(self, *keys, limit=None):
        """Count one hit against every key, then raise RateLimited if any key is over its limit.

        Counting first makes the check atomic: of N parallel attempts exactly
        `limit` get through. `limit` overrides the default (a setting read per call).
        """
        limit = self.limit if limit is None else limit
        now = time.time()
        over = False
        for key in keys:
            if key and self._incr(self._cache_key(key, now), 1) > limit:
                over = True
        if over:
            refused.send(sender=RateLimit, limit=self.scope)
            raise RateLimited(self._retry_after(now), scope=self.scope)

    def exhausted(self, *keys):
        """Whether any key has used up its hits: a read to refuse early, never the guard (that is `consume`)."""
        now = time.time()
        return any(key and (cache.get(self._cache_key(key, now)) or 0) >= self.limit for key in keys)

    def refund(self, *keys):
        """Give back the hit of an attempt that turned out not to count (a success, for a limit on failures)."""
        now = time.time()
        for key in keys:
            if key:
                cache_key = self._cache_key(key, now)
                try:
                    if (cache.decr(cache_key) or 0) < 0:
                        cache.set(cache_key, 0, timeout=self.window + 1)
                except ValueError:  # a new window began: nothing to give back
                    pass

    def clear(self, *keys):
        now = time.time()
        cache.delete_many([self._cache_key(key, now) for key in keys if key])


login_failures = RateLimit("login", limit=10, window=300)
password_reset_requests = RateLimit("password-reset", limit=10, window=300)
registrations = RateLimit("register", limit=10, window=3600)  # per IP; limit from settings
verification_resends = RateLimit("verify-resend", limit=5, window=3600)  # per user
