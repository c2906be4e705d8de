"""New-device sign-in confirmation: a password and a code from a browser new to the account are not enough.

On the old code each of these failed: password + TOTP (or a recovery code) from
any browser signed straight in, and the owner heard nothing.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import SecurityEvent
from mfa.models import NewDeviceConfirmation
from mfa.new_device import DEVICE_COOKIE
from tests.accounts.factories import PASSWORD
from tests.concurrency import at_once
from tests.mfa.authenticator import SoftAuthenticator
from tests.mfa.factories import known_device, totp_code
from tests.mfa.test_webauthn import _authenticate, register_key

pytestmark = pytest.mark.django_db

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"


def _password_and_code(browser, user, next_url="/manage/account/two-factor/"):
    response = browser.post("/account/login/", {"username": user.username, "password": PASSWORD, "next": next_url})
    assert response["Location"] == "/account/two-factor/"
    return browser.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(user.totp_device)})


def _signed_in(browser):
    return browser.get("/manage/account/").status_code == 200


def _link(mail):
    return re.search(r"http://localhost:8000(/account/new-device/link/\S+/)", mail.body).group(1)


def _click(browser, link):
    """Open the mailed link, then press the page's button."""
    assert browser.get(link)["Location"] == "/account/new-device/confirm/"
    return browser.post("/account/new-device/confirm/")


def _tags(user):
    return list(SecurityEvent.objects.filter(user=user, tag__startswith="account:new_device").order_by("id").values_list("tag", flat=True))


def test_a_new_browser_waits_for_the_mailed_link(two_factor_user, mailoutbox, django_capture_on_commit_callbacks):
    browser = Client(HTTP_USER_AGENT=CHROME)
    with django_capture_on_commit_callbacks(execute=True):
        response = _password_and_code(browser, two_factor_user)
    assert response.status_code == 302 and response["Location"] == "/account/new-device/"
    page = browser.get("/account/new-device/").content.decode()
    assert "We sent a sign-in link to your account" in page and "primary email address. Open it in this browser within 15 minutes" in page
    assert not _signed_in(browser)
    mail = mailoutbox[-1]
    assert mail.to == [two_factor_user.primary_email.email]
    assert "Confirm a sign-in from a new browser" in mail.subject and "Chrome on Windows" in mail.body
    assert _tags(two_factor_user) == ["account:new_device:confirmation_sent"]
    assert not SecurityEvent.objects.filter(user=two_factor_user, tag="account:login:success").exists()

    link = _link(mail)
    page = browser.get(link, follow=True).content.decode()
    assert "Sign in on this browser" in page  # a GET (a mail scanner) spends nothing
    assert link.split("/")[-2] not in page  # the token left the address bar
    assert not _signed_in(browser)
    with django_capture_on_commit_callbacks(execute=True):
        response = _click(browser, link)
    assert response.status_code == 302 and response["Location"] == "/manage/account/two-factor/"
    assert _signed_in(browser)
    assert DEVICE_COOKIE in response.cookies and response.cookies[DEVICE_COOKIE]["httponly"]
    assert "New sign-in to your account" in mailoutbox[-1].subject and "Chrome on Windows" in mailoutbox[-1].body
    assert _tags(two_factor_user) == [
        "account:new_device:confirmation_sent",
        "account:new_device:confirmed",
        "account:new_device:sign_in",
    ]
    assert SecurityEvent.objects.get(user=two_factor_user, tag="account:login:success").details == {"method": "totp"}

    # The same browser later signs in at once, and nobody is mailed.
    browser.post("/account/logout/")
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = _password_and_code(browser, two_factor_user)
    assert response["Location"] == "/manage/account/two-factor/" and _signed_in(browser)
    assert len(mailoutbox) == sent


def test_the_link_works_once(two_factor_user, mailoutbox, django_capture_on_commit_callbacks):
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _password_and_code(browser, two_factor_user)
    link = _link(mailoutbox[-1])
    _click(browser, link)
    browser.post("/account/logout/")
    response = _click(browser, link)
    assert response.status_code == 400
    assert "Open this link in the browser where you signed in" in response.content.decode()


def test_the_link_signs_in_no_other_browser(two_factor_user, mailoutbox, django_capture_on_commit_callbacks, caplog):
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _password_and_code(browser, two_factor_user)
    link = _link(mailoutbox[-1])
    thief = Client()
    response = _click(thief, link)
    assert response.status_code == 400
    assert "Open this link in the browser where you signed in: it confirms that browser, and no other." in response.content.decode()
    assert not _signed_in(thief)
    assert SecurityEvent.objects.get(user=two_factor_user, tag="account:new_device:refused").details == {"reason": "other_browser"}
    assert "Bad Request: /account/new-device/confirm/" in caplog.text
    assert link.split("/")[-2] not in caplog.text  # the still-valid token is in no log line
    assert _click(browser, link).status_code == 302 and _signed_in(browser)


def test_a_used_link_says_so_and_an_expired_one_too(two_factor_user, mailoutbox, django_capture_on_commit_callbacks):
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _password_and_code(browser, two_factor_user)
    link = _link(mailoutbox[-1])
    NewDeviceConfirmation.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = _click(browser, link)
    assert response.status_code == 400
    assert "This sign-in link has expired. Sign in again to get a new one." in response.content.decode()
    assert not _signed_in(browser)
    NewDeviceConfirmation.objects.update(expires=timezone.now() + timedelta(minutes=5), used_at=timezone.now())
    assert "This sign-in link has already been used. Sign in again." in _click(browser, link).content.decode()
    reasons = [e.details["reason"] for e in SecurityEvent.objects.filter(tag="account:new_device:refused").order_by("id")]
    assert reasons == ["expired", "used"]
    assert _click(Client(), "/account/new-device/link/not-a-link/").status_code == 400
    assert Client().post("/account/new-device/confirm/").status_code == 400  # no link opened


def test_a_recovery_code_from_a_new_browser_needs_the_link_too(two_factor_user, django_capture_on_commit_callbacks):
    from mfa import services

    codes = services.recovery_codes_generate(request=None, user=two_factor_user)
    browser = Client()
    browser.post("/account/login/", {"username": two_factor_user.username, "password": PASSWORD})
    response = browser.post("/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": codes[0]})
    assert response["Location"] == "/account/new-device/"
    assert not _signed_in(browser)


def test_a_security_key_is_exempt_but_the_owner_is_told(logged_in_client, user, mailoutbox, django_capture_on_commit_callbacks):
    authenticator, _ = register_key(logged_in_client, "Blue key")
    browser = Client()
    browser.post("/account/login/", {"username": user.username, "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        _, response = _authenticate(browser, "second-step", authenticator)
    assert response.status_code == 200 and _signed_in(browser)
    assert DEVICE_COOKIE in response.cookies
    assert "New sign-in to your account" in mailoutbox[-1].subject
    assert _tags(user) == ["account:new_device:sign_in"]


def test_turned_off_a_new_browser_signs_in_at_once_and_the_owner_is_told(
    two_factor_user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NEW_DEVICE_CONFIRMATION = False
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = _password_and_code(browser, two_factor_user)
    assert response["Location"] == "/manage/account/two-factor/" and _signed_in(browser)
    assert "New sign-in to your account" in mailoutbox[-1].subject


def test_a_known_browser_of_another_account_is_new_to_this_one(two_factor_user):
    from tests.accounts.factories import UserFactory

    browser = known_device(Client(), UserFactory())
    assert _password_and_code(browser, two_factor_user)["Location"] == "/account/new-device/"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_same_link_sent_at_once_signs_in_once(two_factor_user, mailoutbox):
    browser = Client()
    _password_and_code(browser, two_factor_user)
    link = _link(mailoutbox[-1])

    browser.get(link)  # the token is in the session that every click below shares

    def click():
        copy = Client()
        copy.cookies = browser.cookies
        return copy.post("/account/new-device/confirm/").status_code

    codes = at_once(click, times=10)
    assert codes.count(302) == 1 and codes.count(400) == 9, codes
    assert SecurityEvent.objects.filter(user=two_factor_user, tag="account:new_device:confirmed").count() == 1
    assert SecurityEvent.objects.filter(user=two_factor_user, tag="account:login:success").count() == 1
