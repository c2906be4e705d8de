"""Rate limits count before they compare, so a burst cannot slip under them."""

import pytest
from django.core.cache import cache

from accounts.ratelimit import RateLimit, RateLimited
from tests.concurrency import at_once


@pytest.fixture(autouse=True)
def fresh_cache(django_db_blocker):
    with django_db_blocker.unblock():
        cache.clear()
    yield
    with django_db_blocker.unblock():
        cache.clear()


def test_consume_lets_exactly_the_limit_through_then_refuses_with_a_wait(db):
    limit = RateLimit("test", limit=3, window=300)
    for _ in range(3):
        limit.consume("ip")
    with pytest.raises(RateLimited) as refused:
        limit.consume("ip")
    assert 0 < refused.value.retry_after <= 300
    assert refused.value.message.startswith("Too many attempts. Try again in ")
    limit.consume("other-ip")  # each key has its own count


def test_a_refund_gives_back_one_hit(db):
    limit = RateLimit("test", limit=2, window=300)
    limit.consume("user")
    limit.consume("user")
    limit.refund("user")
    limit.consume("user")
    with pytest.raises(RateLimited):
        limit.consume("user")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_consumes_on_the_database_cache_let_exactly_the_limit_through():
    limit = RateLimit("burst", limit=5, window=300)

    results = at_once(lambda: limit.consume("203.0.113.9"), times=30)

    assert sum(r is None for r in results) == 5
    assert sum(isinstance(r, RateLimited) for r in results) == 25
