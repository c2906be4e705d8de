"""Registration and verification-mail resends are rate limited: 429, Retry-After, a clear message, an event."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def _register_as(client, username, email):
    data = {"username": username, "name": "Someone", "email": email, "password1": "a long passphrase 42", "password2": "x"}
    return client.post("/account/register/", data)


def _unmasked(response):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


def test_registration_counts_before_it_looks_up_whether_a_name_or_address_is_taken(client, settings, user):
    settings.REGISTRATION_RATE_LIMIT = 2
    for _ in range(2):  # refused forms count too: each one answered whether the name is taken
        response = _register_as(client, user.username, "fresh@example.com")
        assert response.status_code == 200 and "is already taken" in response.content.decode()

    with CaptureQueriesContext(connection) as queries:
        taken = _register_as(client, user.username, user.primary_email.email)
    free = _register_as(client, "unheard-of", "unheard-of@example.com")

    assert taken.status_code == free.status_code == 429
    assert "Too many attempts. Try again in" in taken.content.decode()
    assert _unmasked(taken) == _unmasked(free)  # the same page whether or not the name exists
    looked_up = " ".join(query["sql"] for query in queries).lower()
    assert user.username.lower() not in looked_up and user.primary_email.email.lower() not in looked_up


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
