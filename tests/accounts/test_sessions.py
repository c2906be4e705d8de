"""Signed-in sessions: listed on the account page, ended by their owner, by time, and by security changes.

None of this existed before: each test failed on the old code (no list, no
sign-out, a session lived as long as its cookie, and a 2FA reset or a removed
method left every other session signed in).
"""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import AccountSession, SecurityEvent
from accounts.sessions.services import key_digest
from mfa import services as mfa_services
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"


def _browser(user, *, agent=FIREFOX, ip="198.51.100.1"):
    browser = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = browser.post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _signed_in(browser):
    return browser.get("/manage/account/").status_code == 200


def test_the_account_page_lists_each_session_in_words_and_marks_this_one(user):
    laptop = _browser(user)
    _browser(user, agent=CHROME, ip="203.0.113.9")
    page = laptop.get("/manage/account/").content.decode()
    assert "Signed-in sessions" in page
    assert "Firefox on Linux" in page and "Chrome on Windows" in page
    assert "198.51.100.1" in page and "203.0.113.9" in page
    assert page.count("(this session)") == 1
    # Every button names its session for screen readers, in one whole sentence.
    assert page.count('aria-label="Sign out the session on ') == 1
    assert page.count('aria-label="Sign out this session"') == 1
    assert "Sign out everywhere else" in page
    # The session key itself is in no page, row or event.
    key = laptop.cookies["sessionid"].value
    assert key not in page
    assert not AccountSession.objects.filter(key_digest=key).exists()
    assert AccountSession.objects.filter(key_digest=key_digest(key), user=user).exists()
    assert not any(key in str(event.details) for event in SecurityEvent.objects.all())


def test_the_owner_signs_out_another_session(user):
    laptop, phone = _browser(user), _browser(user, agent=CHROME)
    row = AccountSession.objects.get(key_digest=key_digest(phone.cookies["sessionid"].value))
    response = laptop.post(f"/manage/account/sessions/{row.pk}/sign-out/", follow=True)
    assert "Signed out the session on Chrome on Windows." in response.content.decode()
    response = phone.get("/manage/account/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/account/login/")
    assert "This session was signed out. Sign in again to continue." in response.content.decode()
    assert _signed_in(laptop)
    event = SecurityEvent.objects.get(user=user, tag="account:session:end")
    assert event.details == {"session_id": row.pk, "device": "Chrome on Windows", "ip": "198.51.100.1"}


def test_signing_out_this_session_from_the_list_signs_out(user):
    laptop = _browser(user)
    row = AccountSession.objects.get(user=user)
    response = laptop.post(f"/manage/account/sessions/{row.pk}/sign-out/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert not _signed_in(laptop)


def test_someone_elses_session_cannot_be_signed_out(user):
    someone = UserFactory()
    stranger = _browser(someone)
    theirs = AccountSession.objects.get(user=someone)
    laptop = _browser(user)
    response = laptop.post(f"/manage/account/sessions/{theirs.pk}/sign-out/", follow=True)
    assert "That session is no longer signed in." in response.content.decode()
    assert _signed_in(stranger)


def test_sign_out_everywhere_else_keeps_only_this_session(user):
    laptop, phone, tablet = _browser(user), _browser(user, agent=CHROME), _browser(user)
    response = laptop.post("/manage/account/sessions/sign-out-others/", follow=True)
    assert "Signed out 2 other sessions." in response.content.decode()
    assert _signed_in(laptop) and not _signed_in(phone) and not _signed_in(tablet)
    event = SecurityEvent.objects.get(user=user, tag="account:session:end_others")
    assert event.details == {"count": 2, "reason": "owner"}
    assert laptop.get("/manage/account/sessions/sign-out-others/").status_code == 405


def test_an_idle_session_ends(user, settings):
    settings.SESSION_IDLE_TIMEOUT = 1800
    laptop = _browser(user)
    AccountSession.objects.filter(user=user).update(last_seen=timezone.now() - timedelta(seconds=1801))
    response = laptop.get("/manage/account/", follow=True)
    assert "Your session expired. Sign in again to continue." in response.content.decode()
    assert not _signed_in(laptop)
    assert SecurityEvent.objects.get(user=user, tag="account:session:expired").details == {"reason": "idle"}


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(user, settings):
    assert settings.SESSION_MAX_AGE == 12 * 3600  # PyPI's
    laptop = _browser(user)
    AccountSession.objects.filter(user=user).update(created=timezone.now() - timedelta(hours=12, seconds=1))
    assert not _signed_in(laptop)
    assert SecurityEvent.objects.get(user=user, tag="account:session:expired").details == {"reason": "lifetime"}


def test_last_seen_is_written_at_most_once_a_minute(user, django_assert_num_queries):
    laptop = _browser(user)
    recent = timezone.now() - timedelta(seconds=30)
    AccountSession.objects.filter(user=user).update(last_seen=recent)
    laptop.get("/manage/account/")
    assert AccountSession.objects.get(user=user).last_seen == recent
    AccountSession.objects.filter(user=user).update(last_seen=timezone.now() - timedelta(seconds=61), ip_address=None)
    laptop.get("/manage/account/")
    row = AccountSession.objects.get(user=user)
    assert timezone.now() - row.last_seen < timedelta(seconds=5) and row.ip_address == "198.51.100.1"


def test_a_password_change_keeps_this_session_listed_once_and_ends_the_others(user):
    laptop, phone = _browser(user), _browser(user, agent=CHROME)
    laptop.post(
        "/manage/account/password/",
        {"old_password": PASSWORD, "new_password1": "fresh-password-123", "new_password2": "fresh-password-123"},
    )
    page = laptop.get("/manage/account/").content.decode()
    listed = page[page.index('id="sessions-heading"') : page.index('id="history-heading"')]
    assert listed.count("(this session)") == 1 and "Chrome on Windows" not in listed
    assert AccountSession.objects.filter(user=user).count() == 1
    assert not _signed_in(phone)


def test_removing_a_second_factor_ends_the_other_sessions(two_factor_user):
    WebAuthnCredential.objects.create(
        user=two_factor_user, name="Blue key", credential_id=b"b" * 16, public_key=b"k", confirmed=True
    )
    laptop, phone = _browser_with_totp(two_factor_user), _browser_with_totp(two_factor_user, agent=CHROME)
    response = laptop.post("/manage/account/totp-provision/remove/", {"remove-totp-password": PASSWORD}, follow=True)
    assert "Authenticator app removed." in response.content.decode()
    assert _signed_in(laptop) and not _signed_in(phone)
    event = SecurityEvent.objects.get(user=two_factor_user, tag="account:session:end_others")
    assert event.details == {"count": 1, "reason": "two_factor_method_removed"}


def test_a_staff_two_factor_reset_ends_every_session_at_once(two_factor_user):
    phone = _browser_with_totp(two_factor_user)
    staff = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().post("/admin/")
    request.user, request.session = staff, SessionStore()
    mfa_services.two_factor_reset(request=request, user=two_factor_user)
    assert not _signed_in(phone)
    assert not AccountSession.objects.filter(user=two_factor_user).exists()
    event = SecurityEvent.objects.get(user=two_factor_user, tag="account:session:end_others")
    assert event.details == {"count": 1, "reason": "two_factor_reset"}


def _browser_with_totp(user, agent=FIREFOX):
    from tests.mfa.factories import known_device, totp_code

    browser = known_device(Client(HTTP_USER_AGENT=agent, REMOTE_ADDR="198.51.100.1"), user)
    browser.post("/account/login/", {"username": user.username, "password": PASSWORD})
    response = browser.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(user.totp_device)})
    assert response.status_code == 302, response.content[:500]
    return browser


def test_sign_out_everywhere_ends_this_session_and_a_copy_of_its_cookie(user):
    laptop, phone = _browser(user), _browser(user, agent=CHROME)
    copy = Client()
    copy.cookies = laptop.cookies  # a stolen cookie shares this very session
    assert _signed_in(copy)
    response = laptop.post("/manage/account/sessions/sign-out-everywhere/", follow=True)
    assert "You signed out everywhere. Sign in again, then change your password." in response.content.decode()
    assert not _signed_in(laptop) and not _signed_in(phone) and not _signed_in(copy)
    event = SecurityEvent.objects.get(user=user, tag="account:session:end_others")
    assert event.details == {"count": 2, "reason": "owner_everywhere"}


def test_sessions_that_ended_by_time_leave_the_list_and_the_table(user, settings):
    settings.SESSION_IDLE_TIMEOUT = 1800
    forgotten = _browser(user, agent=CHROME)
    AccountSession.objects.filter(user=user).update(last_seen=timezone.now() - timedelta(hours=1))
    laptop = _browser(user)  # signing in drops the rows of sessions that ended by time
    page = laptop.get("/manage/account/").content.decode()
    listed = page[page.index('id="sessions-heading"') : page.index('id="history-heading"')]
    assert "Chrome on Windows" not in listed and listed.count("(this session)") == 1
    assert AccountSession.objects.filter(user=user).count() == 1
    assert not _signed_in(forgotten)
