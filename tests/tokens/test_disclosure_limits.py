"""The leaked-token endpoint is bounded: body size, reports per request, requests per IP."""

import json

import pytest
from django.core.cache import cache

from accounts.models import SecurityEvent
from tests.tokens.factories import make_token
from tokens import disclosure
from tokens.models import APIToken

URL = "/_/secrets/disclose-token"


@pytest.fixture(autouse=True)
def fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_a_body_over_the_bound_is_not_read(client, user):
    token, raw = make_token(user)
    body = json.dumps([{"token": raw, "type": "t", "url": "https://x"}] + [{"pad": "x" * 1000}] * 300)
    assert len(body) > disclosure.MAX_BODY
    assert client.post(URL, body, content_type="application/json").status_code == 204
    assert APIToken.objects.get(pk=token.pk).revoked is None


def test_reports_past_the_bound_in_one_request_are_ignored(client, user):
    token, raw = make_token(user)
    body = json.dumps([{"token": "pypi-nothing", "url": ""}] * disclosure.MAX_REPORTS + [{"token": raw, "url": ""}])
    assert client.post(URL, body, content_type="application/json").status_code == 204
    assert APIToken.objects.get(pk=token.pk).revoked is None


def test_requests_per_ip_are_limited(client, rate_limit_clock):
    for _ in range(60):
        assert client.post(URL, "[]", content_type="application/json").status_code == 204
    response = client.post(URL, "[]", content_type="application/json")
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert response.content.decode().startswith("Too many attempts. Try again in")
    assert SecurityEvent.objects.filter(tag="account:rate_limited", details__limit="disclose-token").exists()
