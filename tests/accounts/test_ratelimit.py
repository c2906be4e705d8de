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


def test_a_flood_of_other_requests_cannot_evict_an_accounts_login_lockout(client, user, password):
    for _ in range(10):
        assert client.post("/account/login/", {"username": user.username, "password": "wrong"}).status_code == 200
    assert client.post("/account/login/", {"username": user.username, "password": password}).status_code == 429

    # Anonymous reset requests, each from a new address for a new login: far more keys than a cache holds.
    for n in range(400):
        response = client.post(
            "/account/reset-password/", {"login": f"nobody{n}@example.com"}, REMOTE_ADDR=f"10.{n // 250}.{n % 250}.1"
        )
        assert response.status_code == 200

    response = client.post("/account/login/", {"username": user.username, "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_burst_across_a_windows_edge_cannot_double_the_limit(client, user, password, clock):
    edge = (clock.now // 300 + 1) * 300
    clock.now = edge - 0.5
    for _ in range(10):
        assert client.post("/account/login/", {"username": user.username, "password": "wrong"}).status_code == 200
    clock.now = edge + 0.5  # one second later, in the next window
    response = client.post("/account/login/", {"username": user.username, "password": password})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 300

    # The limit slides: half a window on, the older failures weigh half (5 of 10), so 5 more are allowed.
    clock.now = edge + 150
    limit = RateLimit("login", limit=10, window=300)
    assert not limit.exhausted(f"user:{user.pk}")
    for _ in range(4):
        assert client.post("/account/login/", {"username": user.username, "password": "wrong"}).status_code == 200
    assert client.post("/account/login/", {"username": user.username, "password": password}).status_code == 302


def test_longer_spans_hold_too(db, clock):
    limit = RateLimit("test", limit=2, window=60, longer=((3, 3600),))
    limit.consume("user")
    limit.consume("user")
    clock.now += 120  # the minute's hits have slid out of the span ...
    limit.consume("user")
    with pytest.raises(RateLimited) as refused:  # ... but not out of the hour
        limit.consume("user")
    assert 60 < refused.value.retry_after <= 3600


def test_expired_counters_are_swept_and_live_ones_kept(db, clock):
    from accounts.models import RateLimitCounter
    from accounts.ratelimit.stores import DatabaseStore

    old = RateLimit("old", limit=1, window=60)
    live = RateLimit("live", limit=1, window=3600)
    old.consume("someone")
    live.consume("someone")
    clock.now += 200  # two windows and the grace past the minute; well inside the hour

    DatabaseStore().sweep(clock.now)

    assert [row.key.split(":")[0] for row in RateLimitCounter.objects.all()] == ["live"]
    with pytest.raises(RateLimited):
        live.consume("someone")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_consumes_weigh_the_previous_window_and_let_exactly_the_rest_through(clock):
    limit = RateLimit("burst", limit=5, window=300)
    window_start = (clock.now // 300) * 300
    for _ in range(3):
        limit.consume("203.0.113.9")
    clock.now = window_start + 300 + 150  # half-way into the next window: the 3 weigh 1.5

    results = at_once(lambda: limit.consume("203.0.113.9"), times=30)

    assert sum(r is None for r in results) == 3, results  # 1.5 + 3 <= 5 < 1.5 + 4
    assert sum(isinstance(r, RateLimited) for r in results) == 27


@pytest.fixture
def redis_store(settings):
    """The limits in Redis (database 12 of the machine's server, which CI has too), emptied around the test."""
    import redis

    url = "redis://127.0.0.1:6379/12"
    redis.Redis.from_url(url).flushdb()
    settings.RATE_LIMIT_URL = url
    yield redis.Redis.from_url(url)
    redis.Redis.from_url(url).flushdb()


def test_with_redis_the_limits_count_slide_refund_and_expire(redis_store, clock):
    limit = RateLimit("test", limit=3, window=300)
    for _ in range(3):
        limit.consume("ip")
    with pytest.raises(RateLimited):
        limit.consume("ip")
    limit.refund("ip")
    limit.consume("ip")
    assert limit.exhausted("ip")
    clock.now += 300  # the next window: the 3 hits still weigh nearly fully
    with pytest.raises(RateLimited):
        limit.consume("ip")
    keys = redis_store.keys("ratelimit:*")
    assert keys and all(0 < redis_store.ttl(key) <= 3 * 300 + 60 for key in keys)
    assert redis_store.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"


def test_with_redis_parallel_consumes_let_exactly_the_limit_through(redis_store):
    limit = RateLimit("burst", limit=5, window=300)

    results = at_once(lambda: limit.consume("203.0.113.9"), times=30)

    assert sum(r is None for r in results) == 5
    assert sum(isinstance(r, RateLimited) for r in results) == 25


def test_the_deploy_check_warns_when_the_limits_redis_may_evict_them(redis_store, monkeypatch):
    import redis

    from accounts.ratelimit.checks import rate_limit_store_keeps_its_counters

    assert rate_limit_store_keeps_its_counters(None) == []  # this machine's Redis: noeviction
    monkeypatch.setattr(redis.Redis, "config_get", lambda self, name: {name: "allkeys-lru"})
    [warning] = rate_limit_store_keeps_its_counters(None)
    assert warning.id == "accounts.W001" and "maxmemory-policy allkeys-lru" in warning.msg


def test_a_limit_of_zero_refuses_everything_with_a_wait(db):
    with pytest.raises(RateLimited) as refused:
        RateLimit("closed", limit=1, window=60).consume("ip", limit=0)
    assert 0 < refused.value.retry_after <= 60
