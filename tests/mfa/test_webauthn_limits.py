"""Passkey sign-in and the security-key re-authentication are limited per IP and per user."""

import pytest
from django.core.cache import cache

from accounts.models import SecurityEvent
from tests.mfa.authenticator import SoftAuthenticator
from tests.mfa.test_webauthn import _authenticate, register_key



pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_clock")]  # no window ends mid-test


@pytest.fixture(autouse=True)
def fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_passkey_sign_in_attempts_per_ip_are_limited(client):
    stranger = SoftAuthenticator()
    for _ in range(20):
        _, response = _authenticate(client, "passkey", stranger)
        assert response.status_code != 429
    _, response = _authenticate(client, "passkey", stranger)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Too many attempts. Try again in")
    assert SecurityEvent.objects.filter(tag="account:rate_limited", details__limit="webauthn-ip").exists()


def test_passkey_attempts_naming_one_users_key_share_that_users_limit(logged_in_client, user):
    authenticator, _ = register_key(logged_in_client, "Laptop passkey")
    logged_in_client.post("/account/logout/")
    authenticator.user_verification = False  # refused: the passkey must verify its user
    for n in range(5):
        _, response = _authenticate(logged_in_client, "passkey", authenticator)
        assert response.status_code == 422
    authenticator.user_verification = True
    _, response = _authenticate(logged_in_client, "passkey", authenticator)
    assert response.status_code == 429  # even the right answer waits: the user's attempts are used up


def test_reauthentication_with_a_key_is_limited_per_user(logged_in_client, user):
    register_key(logged_in_client, "Blue key")
    stranger = SoftAuthenticator()
    for _ in range(5):
        assert _authenticate(logged_in_client, "reauthenticate", stranger)[1].status_code == 404  # unknown key
    response = logged_in_client.post("/account/two-factor/webauthn/reauthenticate/begin/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert SecurityEvent.objects.filter(user=user, tag="account:two_factor:failure", details__reason="rate_limited").exists()
