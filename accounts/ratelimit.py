"""Fixed-window rate limits kept in Django's cache, so every process shares them."""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.shortcuts import render


class RateLimited(Exception):
    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = max(1, int(retry_after))

    @property
    def minutes(self):
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self):
        """What every refused attempt tells the user."""
        return f"Too many attempts. Try again in {self.minutes} minute{'s' if self.minutes != 1 else ''}."


def rate_limited_response(request, template, context, error):
    """The page `template` answered with 429, `Retry-After` and the message as `rate_limited`."""
    context["rate_limited"] = error.message
    response = render(request, template, context, status=429)
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

    def check(self, *keys):
        """Raise RateLimited if any key has used up its hits in this window."""
        now = time.time()
        for key in keys:
            if key and (cache.get(self._cache_key(key, now)) or 0) >= self.limit:
                raise RateLimited(self._retry_after(now))

    def hit(self, *keys):
        """Count one hit against every key."""
        now = time.time()
        for key in keys:
            if not key:
                continue
            cache_key = self._cache_key(key, now)
            if not cache.add(cache_key, 1, timeout=self.window + 1):
                try:
                    cache.incr(cache_key)
                except ValueError:  # expired between add and incr
                    cache.add(cache_key, 1, timeout=self.window + 1)

    def clear(self, *keys):
        now = time.time()
        cache.delete_many([self._cache_key(key, now) for key in keys if key])


login_failures = RateLimit("login", limit=10, window=300)
password_reset_requests = RateLimit("password-reset", limit=10, window=300)
