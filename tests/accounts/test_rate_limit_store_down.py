"""When the rate-limit store cannot be reached: guards against guessing refuse with a clear 503, publishing goes on.

Production keeps the limits in the cache's Redis server by default, so "Redis is down" is the case shown:
nothing listens at the address given.
"""

import logging

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.ratelimit import ALLOW, RateLimit
from packages.models import File
from tests.accounts.factories import UserFactory
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.factories import basic_auth_header, make_token

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def take_store_down(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOWN}}
    settings.RATE_LIMIT_URL = DOWN


@pytest.fixture
def store_down(settings):
    take_store_down(settings)


def test_login_is_refused_with_a_503_page_not_a_500_and_nobody_is_signed_in(client, user, password, store_down, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.post("/account/login/", {"username": user.username, "password": password})
    assert response.status_code == 503
    assert int(response["Retry-After"]) == 60
    page = response.content.decode()
    assert "Unavailable for a moment" in page
    assert "its limit on attempts cannot be checked. Try again in a minute." in page
    assert "_auth_user_id" not in client.session
    assert "rate-limit store" in caplog.text.lower() and password not in caplog.text


def test_password_reset_and_registration_are_refused_alike(client, user, mailoutbox, store_down):
    assert client.post("/account/reset-password/", {"login": user.username}).status_code == 503
    assert mailoutbox == []
    response = client.post(
        "/account/register/",
        {"username": "newcomer", "name": "N", "email": "n@example.com", "password1": "a long one 42", "password2": "a long one 42"},
    )
    assert response.status_code == 503


def test_an_invalid_token_on_the_upload_api_gets_a_plain_503(client, user, settings, media_root):
    # Made while the cache is up: a new token moves the access generation (packages/reading), in the cache.
    token, raw = make_token(user)
    take_store_down(settings)
    wheel = make_wheel("demo", "1.0")
    response = client.post(
        "/legacy/", {**upload_form(wheel), "content": wheel.upload()}, HTTP_AUTHORIZATION=basic_auth_header(raw[:-4] + "zzzz")
    )
    assert response.status_code == 503 and response["Content-Type"].startswith("text/plain")
    assert response.reason_phrase.startswith("This action is unavailable for a moment")


def test_uploads_with_a_valid_token_go_on_uncounted(client, user, settings, media_root):
    settings.RATE_LIMIT_URL = DOWN
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    raw = make_token(user)[1]
    wheel = make_wheel("demo", "1.0")
    response = client.post(
        "/legacy/", {**upload_form(wheel), "content": wheel.upload()}, HTTP_AUTHORIZATION=basic_auth_header(raw)
    )
    assert response.status_code == 200, response.content
    assert File.objects.filter(filename=wheel.filename).exists()


def test_a_limit_declared_allow_lets_requests_through_and_reads_answer_not_exhausted(db, settings):
    settings.RATE_LIMIT_URL = DOWN
    RateLimit("volume", limit=1, window=60, when_unavailable=ALLOW).consume("key")
    RateLimit("volume", limit=1, window=60, when_unavailable=ALLOW).consume("key")
    assert not RateLimit("guard", limit=1, window=60).exhausted("key")


def test_with_the_database_store_failing_login_answers_503_and_the_request_goes_on_working(
    client, user, password, monkeypatch
):
    from accounts.models import RateLimitCounter

    monkeypatch.setattr(RateLimitCounter._meta, "db_table", "no_such_table")  # every query on it fails
    response = client.post("/account/login/", {"username": user.username, "password": password})
    assert response.status_code == 503 and "Unavailable for a moment" in response.content.decode()
    assert "_auth_user_id" not in client.session
    monkeypatch.undo()
    response = client.post("/account/login/", {"username": user.username, "password": password})
    assert response.status_code == 302
