"""Registration and verification-mail resends are rate limited: 429, Retry-After, a clear message, an event."""

import pytest
from django.core.cache import cache

from accounts.models import SecurityEvent, User


@pytest.fixture(autouse=True)
def fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


def _register(client, n):
    return client.post(
        "/account/register/",
        {
            "username": f"newcomer{n}",
            "name": "New Comer",
            "email": f"newcomer{n}@example.com",
            "password1": "a long and unusual passphrase 42",
            "password2": "a long and unusual passphrase 42",
        },
    )


def test_registrations_per_ip_are_limited(client, settings):
    settings.REGISTRATION_RATE_LIMIT = 2
    for n in range(2):
        assert _register(client, n).status_code == 302
        client.post("/account/logout/")
    response = _register(client, 2)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts. Try again in" in response.content.decode()
    assert not User.objects.filter(username="newcomer2").exists()
    event = SecurityEvent.objects.get(tag="account:rate_limited")
    assert event.details == {"limit": "register"} and event.ip_address == "127.0.0.1"


def test_verification_mail_resends_are_limited(logged_in_client, user, mailoutbox):
    email = user.emails.get()
    email.verified = False
    email.save()
    other = user.emails.create(email="second@example.com")
    # Three to one address (that address's own limit), two to the other: the account's five an hour.
    for address in (email, email, email, other, other):
        assert logged_in_client.post(f"/manage/account/email/{address.pk}/resend/").status_code == 302
    response = logged_in_client.post(f"/manage/account/email/{other.pk}/resend/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many attempts. Try again in" in response.content.decode()
    assert len(mailoutbox) == 5
    assert SecurityEvent.objects.get(tag="account:rate_limited", user=user).details == {"limit": "verify-resend"}
