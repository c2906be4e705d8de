"""`manage.py check --deploy` warns when the rate limits' Redis may evict their counters."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def rate_limit_store_keeps_its_counters(app_configs, **kwargs):
    url = settings.RATE_LIMIT_URL
    if url == "database":
        return []
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except Exception:  # noqa: BLE001 - unreachable now, or CONFIG refused (managed Redis): nothing to tell
        return []
    if policy in (None, "noeviction"):
        return []
    return [
        Warning(
            f"The Redis server that keeps the rate limits (RATE_LIMIT_URL) has maxmemory-policy {policy}: "
            "when its memory is full it evicts keys, and a flood of requests could evict an account's lockout.",
            hint="Set maxmemory-policy noeviction on that server, or point RATE_LIMIT_URL at a Redis server of its own.",
            id="accounts.W001",
        )
    ]
