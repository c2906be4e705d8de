"""A new user's whole journey through the test client, and its security history."""

import re

import pytest
from django.core import mail

from accounts.events import EventTag
from accounts.models import Email, SecurityEvent, User

UA = "FlowTest/1.0 (pytest)"
NEW_PASSWORD = "a-brand-new-passphrase-42"


def _link(message, pattern):
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(0)


def _register(client, **overrides):
    data = {
        "username": "alice",
        "name": "Alice Liddell",
        "email": "alice@example.com",
        "password1": "tea-party-at-four",
        "password2": "tea-party-at-four",
        **overrides,
    }
    return client.post("/account/register/", data, HTTP_USER_AGENT=UA, REMOTE_ADDR="198.51.100.7")


def _tags(user):
    return list(SecurityEvent.objects.filter(user=user).order_by("time", "id").values_list("tag", flat=True))


@pytest.mark.django_db
def test_register_verify_logout_login_change_reset(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client)
    assert response.status_code == 302 and response["Location"] == "/manage/account/"
    user = User.objects.get(username="alice")
    email = Email.objects.get(user=user)
    assert email.primary and not email.verified

    # The verification mail links back to this site.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    verify_url = _link(mail.outbox[0], r"http://localhost:8000/account/verify-email/\?token=\S+")
    response = client.get(verify_url.replace("http://localhost:8000", ""), HTTP_USER_AGENT=UA)
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.verified
    page = client.get("/manage/account/").content.decode()
    assert "Email address alice@example.com verified." in page
    assert "Primary, verified" in page

    # Log out (POST), log in again by email in another letter case.
    assert client.post("/account/logout/", HTTP_USER_AGENT=UA).status_code == 302
    assert client.get("/manage/account/").status_code == 302
    response = client.post(
        "/account/login/", {"username": "ALICE@example.com", "password": "tea-party-at-four"}, HTTP_USER_AGENT=UA
    )
    assert response.status_code == 302
    assert client.get("/manage/account/").status_code == 200

    # A second session (another browser) ends when the password changes in the first.
    from django.test import Client

    other = Client()
    other.post("/account/login/", {"username": "alice", "password": "tea-party-at-four"})
    assert other.get("/manage/account/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/manage/account/password/",
            {"old_password": "tea-party-at-four", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            HTTP_USER_AGENT=UA,
        )
    assert response.status_code == 302
    assert client.get("/manage/account/").status_code == 200, "the session that changed it stays"
    assert other.get("/manage/account/").status_code == 302, "every other session ends"
    assert "Your password has changed" in mail.outbox[-1].subject

    # Forgotten password: reset by email link.
    client.post("/account/logout/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/reset-password/", {"login": "alice"}, HTTP_USER_AGENT=UA)
    assert b"If an account exists" in response.content
    reset_url = _link(mail.outbox[-1], r"http://localhost:8000/account/reset-password/\S+/")
    response = client.get(reset_url.replace("http://localhost:8000", ""), follow=True)
    form_url = response.redirect_chain[-1][0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url, {"new_password1": "third-time-lucky-77", "new_password2": "third-time-lucky-77"}, HTTP_USER_AGENT=UA
        )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("third-time-lucky-77")
    # The used link does not work twice.
    response = client.get(reset_url.replace("http://localhost:8000", ""), follow=True)
    assert b"invalid or has expired" in response.content

    assert _tags(user) == [
        EventTag.ACCOUNT_CREATE,
        EventTag.ACCOUNT_EMAIL_ADD,
        EventTag.ACCOUNT_LOGIN_SUCCESS,
        EventTag.ACCOUNT_EMAIL_VERIFIED,
        EventTag.ACCOUNT_LOGOUT,
        EventTag.ACCOUNT_LOGIN_SUCCESS,
        EventTag.ACCOUNT_LOGIN_SUCCESS,
        EventTag.ACCOUNT_PASSWORD_CHANGE,
        EventTag.ACCOUNT_SESSIONS_END,  # the other browser's
        EventTag.ACCOUNT_LOGOUT,
        EventTag.ACCOUNT_PASSWORD_RESET_REQUEST,
        EventTag.ACCOUNT_PASSWORD_RESET,
    ]
    # Each step shows in the user's security history, with IP address and user agent.
    client.post("/account/login/", {"username": "alice", "password": "third-time-lucky-77"}, HTTP_USER_AGENT=UA)
    history = client.get("/manage/account/").content.decode()
    for tag in (
        EventTag.ACCOUNT_CREATE,
        EventTag.ACCOUNT_EMAIL_VERIFIED,
        EventTag.ACCOUNT_PASSWORD_CHANGE,
        EventTag.ACCOUNT_PASSWORD_RESET,
    ):
        assert str(tag.label) in history and tag.value not in history
    assert "198.51.100.7" in history
    assert "FlowTest 1.0" in history  # the device, named from its user agent
    assert "tea-party" not in history and "third-time" not in history


@pytest.mark.django_db
def test_history_shows_only_the_last_90_days_newest_first(logged_in_client, user):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.events import record_event

    old = record_event(tag=EventTag.ACCOUNT_EMAIL_ADD, user=user, details={"email": "ancient@example.com"})
    old.time = timezone.now() - timedelta(days=91)
    old.save()
    record_event(tag=EventTag.ACCOUNT_EMAIL_ADD, user=user, details={"email": "recent@example.com"})
    page = logged_in_client.get("/manage/account/").content.decode()
    assert "recent@example.com" in page
    assert "ancient@example.com" not in page
    # Newest first; the login (recorded earlier) follows, described in words, not by its tag.
    assert page.index("recent@example.com") < page.index("Logged in")
    assert "account:login:success" not in page
