"""The site's own system checks: a cache inside each process is refused where more than one worker may run."""

from django.test import override_settings

from indexsite.checks import shared_cache

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}}


def ids(problems):
    return [problem.id for problem in problems]


@override_settings(CACHES=LOCMEM, DEBUG=False, SERVER_WORKERS=0)
def test_a_per_process_cache_is_refused_in_production():
    assert ids(shared_cache(None)) == ["indexsite.E002"]


@override_settings(CACHES=LOCMEM, DEBUG=True, SERVER_WORKERS=3)
def test_a_per_process_cache_is_refused_with_several_workers_even_in_development():
    assert ids(shared_cache(None)) == ["indexsite.E002"]


@override_settings(CACHES=LOCMEM, DEBUG=True, SERVER_WORKERS=0)
def test_the_development_server_may_use_one():
    assert shared_cache(None) == []


@override_settings(CACHES=LOCMEM, DEBUG=False, SERVER_WORKERS=1)
def test_one_worker_may_use_one():
    assert shared_cache(None) == []


@override_settings(CACHES=REDIS, DEBUG=False, SERVER_WORKERS=0)
def test_a_shared_cache_passes():
    assert shared_cache(None) == []
