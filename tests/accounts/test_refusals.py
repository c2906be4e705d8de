"""Bad input gets a clear error and changes nothing."""

import html
import re

import pytest
from django.core import signing
from django.core.cache import cache

from accounts.events import EventTag
from accounts.models import Email, SecurityEvent, User
from accounts.services import email_verification_token
from tests.accounts.factories import PASSWORD, EmailFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _register(client, **overrides):
    data = {
        "username": "bob",
        "name": "Bob",
        "email": "bob@example.com",
        "password1": "kettle-whistle-99",
        "password2": "kettle-whistle-99",
        **overrides,
    }
    return client.post("/account/register/", data)


def _unchanged(users=0, emails=0):
    assert User.objects.count() == users
    assert Email.objects.count() == emails
    assert not SecurityEvent.objects.filter(tag=EventTag.ACCOUNT_CREATE).exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"username": "BOB-Existing"}, "username", "The name BOB-Existing is already taken by an account."),
        ({"email": "Taken@Example.COM"}, "email", "This email address is already in use by another account."),
        ({"password1": "password", "password2": "password"}, "password1", "This password is too common."),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1", "This password is entirely numeric."),
        ({"password2": "kettle-whistle-98"}, "password2", "The two passwords do not match."),
        ({"username": "-leading-dash"}, "username", "must start and end with a letter or number"),
        ({"username": "a" * 51}, "username", "at most 50 characters"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ],
)
def test_registration_refusals(client, overrides, field, message):
    UserFactory(username="bob-existing", email="taken@example.com")
    response = _register(client, **overrides)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert message in html.unescape(response.content.decode())
    assert User.objects.count() == 1 and Email.objects.count() == 1


def test_expired_verification_link_is_refused(client, user):
    email = EmailFactory(user=user, email="late@example.com")
    token = email_verification_token(email)
    import time

    real_time = time.time
    try:
        time.time = lambda: real_time() + 25 * 3600
        response = client.get("/account/verify-email/", {"token": token}, follow=True)
    finally:
        time.time = real_time
    assert b"This verification link has expired." in response.content
    email.refresh_from_db()
    assert not email.verified
    assert not SecurityEvent.objects.filter(tag=EventTag.ACCOUNT_EMAIL_VERIFIED).exists()


def test_tampered_verification_link_is_refused(client, user):
    email = EmailFactory(user=user, email="victim@example.com")
    other = EmailFactory(user=user, email="mine@example.com")
    payload = signing.loads(email_verification_token(other), salt="accounts.email-verify")
    assert payload["id"] == other.pk
    token = email_verification_token(other)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (forged, "garbage", ""):
        response = client.get("/account/verify-email/", {"token": bad}, follow=True)
        assert b"This verification link is invalid." in response.content
    email.refresh_from_db()
    other.refresh_from_db()
    assert not email.verified and not other.verified


def test_verification_link_works_once(client, user):
    email = EmailFactory(user=user, email="twice@example.com")
    token = email_verification_token(email)
    client.get("/account/verify-email/", {"token": token})
    response = client.get("/account/verify-email/", {"token": token}, follow=True)
    assert b"already been verified" in response.content
    assert SecurityEvent.objects.filter(tag=EventTag.ACCOUNT_EMAIL_VERIFIED).count() == 1


def test_verification_link_for_a_removed_address_is_refused(client, user):
    email = EmailFactory(user=user, email="gone@example.com")
    token = email_verification_token(email)
    email.delete()
    response = client.get("/account/verify-email/", {"token": token}, follow=True)
    assert b"This verification link is invalid." in response.content


def test_wrong_credentials_do_not_say_which_part_was_wrong(client, user):
    wrong_password = client.post("/account/login/", {"username": user.username, "password": "nope-nope-nope"})
    no_such_user = client.post("/account/login/", {"username": "nobody-here", "password": PASSWORD})
    message = "The username or email and password you entered do not match an account."
    assert message in wrong_password.content.decode()
    assert message in no_such_user.content.decode()
    assert "_auth_user_id" not in client.session
    failure = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_LOGIN_FAILURE, user=user)
    assert "nope" not in str(failure.details)


def test_frozen_account_cannot_log_in(client):
    frozen = UserFactory(is_active=False)
    response = client.post("/account/login/", {"username": frozen.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_eleventh_failed_login_within_five_minutes_is_refused_with_429(client, user):
    for _ in range(10):
        response = client.post("/account/login/", {"username": user.username, "password": "wrong-password-x"})
        assert response.status_code == 200
    # The 11th attempt is refused even with the right password.
    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert re.search(r"Too many attempts\. Try again in [1-5] minutes?\.", response.content.decode())
    assert int(response["Retry-After"]) <= 300
    assert "_auth_user_id" not in client.session


def test_login_limit_is_per_account_across_ips_and_spellings(client, user):
    for n in range(10):
        login = user.username.upper() if n % 2 else f"{user.username}@example.com"
        client.post("/account/login/", {"username": login, "password": "bad"}, REMOTE_ADDR=f"203.0.113.{n}")
    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.99")
    assert response.status_code == 429


def test_login_limit_is_per_ip_across_accounts(client, db):
    for n in range(10):
        client.post("/account/login/", {"username": f"guess{n}", "password": "bad"}, REMOTE_ADDR="192.0.2.1")
    someone = UserFactory()
    response = client.post("/account/login/", {"username": someone.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429
    response = client.post("/account/login/", {"username": someone.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.2")
    assert response.status_code == 302


def _unmasked(content):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_password_reset_never_reveals_whether_an_account_exists(client, user, mailoutbox):
    known = client.post("/account/reset-password/", {"login": user.username})
    unknown = client.post("/account/reset-password/", {"login": "no-such-person@example.com"})
    assert known.status_code == unknown.status_code == 200
    # Same page whichever the login (each form's CSRF token is masked anew on every response).
    assert _unmasked(known.content) == _unmasked(unknown.content)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.primary_email.email]


def test_password_reset_requests_are_limited_per_address(client, db):
    for n in range(10):
        assert client.post("/account/reset-password/", {"login": f"someone{n}"}).status_code == 200
    response = client.post("/account/reset-password/", {"login": "someone-else"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_an_account_gets_five_reset_mails_a_day_whatever_the_spelling_and_address(client, user, mailoutbox):
    spellings = [user.username, user.primary_email.email, user.username.upper(), user.primary_email.email.upper()]
    for n in range(5):
        response = client.post("/account/reset-password/", {"login": spellings[n % 4]}, REMOTE_ADDR=f"203.0.113.{n}")
        assert response.status_code == 200
    response = client.post("/account/reset-password/", {"login": user.username}, REMOTE_ADDR="203.0.113.99")
    assert response.status_code == 429
    assert re.search(r"Too many attempts\. Try again in \d+ minutes\.", response.content.decode())
    assert 0 < int(response["Retry-After"]) <= 24 * 3600
    assert len(mailoutbox) == 5
    # A login that names no account is limited alike, so the refusal tells nothing.
    for n in range(5):
        client.post("/account/reset-password/", {"login": "nobody@example.com"}, REMOTE_ADDR=f"198.51.100.{n}")
    assert client.post("/account/reset-password/", {"login": "nobody@example.com"}).status_code == 429


def test_reset_rejects_a_weak_new_password(client, user, mailoutbox):
    client.post("/account/reset-password/", {"login": user.username})
    url = re.search(r"http://localhost:8000(/account/reset-password/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(url, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_the_old_password(logged_in_client, user):
    response = logged_in_client.post(
        "/manage/account/password/",
        {"old_password": "not-it", "new_password1": "fresh-password-123", "new_password2": "fresh-password-123"},
    )
    assert response.status_code == 400
    assert "Your old password was entered incorrectly." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_logout_needs_post(logged_in_client):
    assert logged_in_client.get("/account/logout/").status_code == 405
    assert logged_in_client.get("/manage/account/").status_code == 200
