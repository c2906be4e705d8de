"""A session that proved itself long ago (a stolen cookie) cannot take the account over.

Each test here failed on the code before these defences: a session hours old
added an address, made it primary, removed the owner's, and guessed the
current password on the password-change page without limit.
"""

import time

import pytest
from django.test import Client

from accounts.models import Email, SecurityEvent
from tests.accounts.factories import PASSWORD, EmailFactory
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db

PROMPT = "Confirm it is you"
STALE = "Your last sign-in was too long ago, so your change was <strong>not</strong> made."


def make_stale(client, seconds=3600):
    """The session's last authentication `seconds` ago, as a cookie stolen that long ago would carry."""
    session = client.session
    session["auth_time"] = int(time.time()) - seconds
    session.save()


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_a_stale_session_cannot_add_an_address_until_it_confirms_the_password(logged_in_client, user, mailoutbox):
    make_stale(logged_in_client)
    response = logged_in_client.post("/manage/account/", {"add-email": "attacker@example.com"})
    assert response.status_code == 200
    assert PROMPT in response.content.decode() and STALE in response.content.decode()
    assert not Email.objects.filter(email="attacker@example.com").exists()
    assert mailoutbox == []

    response = logged_in_client.post("/manage/account/", {"_reauthenticate": "1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/manage/account/"
    response = logged_in_client.post("/manage/account/", {"add-email": "second@example.com"}, follow=True)
    assert "Email address second@example.com added. Check it for a verification link." in _messages(response)


def test_the_account_page_itself_still_opens_for_an_older_session(logged_in_client):
    make_stale(logged_in_client)
    response = logged_in_client.get("/manage/account/")
    assert response.status_code == 200 and PROMPT not in response.content.decode()


@pytest.mark.parametrize("action", ["primary", "remove"])
def test_a_stale_session_cannot_make_primary_or_remove_an_address(logged_in_client, user, action):
    other = EmailFactory(user=user, email="spare@example.com", verified=True)
    make_stale(logged_in_client)
    response = logged_in_client.post(f"/manage/account/email/{other.pk}/{action}/")
    assert response.status_code == 200 and STALE in response.content.decode()
    other.refresh_from_db()
    assert not other.primary
    assert user.emails.get(primary=True).email == f"{user.username}@example.com"

    # Confirming returns to the account page; the change is then made by repeating it.
    response = logged_in_client.post(
        f"/manage/account/email/{other.pk}/{action}/", {"_reauthenticate": "1", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/manage/account/"
    assert Email.objects.filter(pk=other.pk).exists()
    logged_in_client.post(f"/manage/account/email/{other.pk}/{action}/")
    if action == "primary":
        assert user.emails.get(primary=True) == other
    else:
        assert not Email.objects.filter(pk=other.pk).exists()


def test_a_third_address_in_a_day_is_refused_and_recorded(logged_in_client, user, rate_limit_clock):
    for address in ("one@example.com", "two@example.com"):
        assert logged_in_client.post("/manage/account/", {"add-email": address}).status_code == 302
    response = logged_in_client.post("/manage/account/", {"add-email": "three@example.com"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 3600
    assert "Too many attempts. Try again in" in response.content.decode()
    assert "An account can add at most 2 email addresses a day." in response.content.decode()
    assert not Email.objects.filter(email="three@example.com").exists()
    event = SecurityEvent.objects.get(tag="account:rate_limited", user=user)
    assert event.details == {"limit": "email-add", "email": "three@example.com"}


def test_an_address_already_in_use_counts_against_the_daily_additions(logged_in_client, user, rate_limit_clock):
    EmailFactory(email="taken@example.com")
    for _ in range(2):
        assert logged_in_client.post("/manage/account/", {"add-email": "taken@example.com"}).status_code == 400
    assert logged_in_client.post("/manage/account/", {"add-email": "free@example.com"}).status_code == 429


def test_verification_mails_to_one_address_are_limited(
    logged_in_client, user, mailoutbox, rate_limit_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in_client.post("/manage/account/", {"add-email": "new@example.com"})
    added = Email.objects.get(email="new@example.com")
    for _ in range(2):
        assert logged_in_client.post(f"/manage/account/email/{added.pk}/resend/").status_code == 302
    response = logged_in_client.post(f"/manage/account/email/{added.pk}/resend/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "An address can receive at most 3 verification links in 6 hours." in response.content.decode()
    assert [m.to for m in mailoutbox].count(["new@example.com"]) == 3
    assert SecurityEvent.objects.get(tag="account:rate_limited", user=user).details == {"limit": "verify-mail"}


# --- the password-change page ---------------------------------------------------------


def _change(client, old, new="fresh-password-123"):
    return client.post(
        "/manage/account/password/", {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_a_stale_session_is_asked_to_confirm_before_the_password_page(logged_in_client, user):
    make_stale(logged_in_client)
    response = logged_in_client.get("/manage/account/password/")
    assert PROMPT in response.content.decode() and 'name="old_password"' not in response.content.decode()
    response = _change(logged_in_client, PASSWORD)
    assert STALE in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_current_password_guesses_share_the_login_limit_then_429(logged_in_client, user, rate_limit_clock):
    for _ in range(10):
        response = _change(logged_in_client, "a-wrong-guess")
        assert response.status_code == 400
        assert "Your old password was entered incorrectly." in response.content.decode()
    # The eleventh, even right, is refused without being compared.
    response = _change(logged_in_client, PASSWORD)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many attempts. Try again in" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    failures = SecurityEvent.objects.filter(tag="account:login:failure", user=user, details__reason="password_change")
    assert failures.count() == 10
    refused = SecurityEvent.objects.get(tag="account:rate_limited", user=user)
    assert refused.details == {"limit": "login", "action": "password_change"}
    # The same account's login is now held back too: one limit per account.
    response = Client().post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429


def test_a_right_current_password_does_not_use_up_the_limit(logged_in_client, user, rate_limit_clock):
    for _ in range(12):
        response = _change(logged_in_client, PASSWORD, new="short")  # right password, refused new one
        assert response.status_code == 400
    assert _change(logged_in_client, PASSWORD).status_code == 302


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_guesses_sent_at_once_are_counted_before_they_are_compared(user, monkeypatch):
    from accounts.models import User

    compared = []
    real = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, raw: compared.append(raw) or real(self, raw))
    owner = Client()
    owner.force_login(user)
    from accounts.services import SESSION_AUTH_TIME

    session = owner.session
    session[SESSION_AUTH_TIME] = int(time.time())
    session.save()

    def guess():
        thief = Client()
        thief.cookies = owner.cookies
        return _change(thief, "a-wrong-guess").status_code

    codes = at_once(guess, times=20)
    assert codes.count(400) == 10 and codes.count(429) == 10, codes
    assert len(compared) == 10


def test_guessing_the_password_in_the_confirmation_prompt_is_limited_and_recorded(logged_in_client, user, rate_limit_clock):
    make_stale(logged_in_client)
    for _ in range(10):
        response = logged_in_client.post("/manage/account/password/", {"_reauthenticate": "1", "password": "guess"})
        assert response.status_code == 400
    response = logged_in_client.post("/manage/account/password/", {"_reauthenticate": "1", "password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert 'name="old_password"' not in response.content.decode()
    refused = SecurityEvent.objects.get(tag="account:rate_limited", user=user)
    assert refused.details == {"limit": "login", "action": "reauthenticate"}
