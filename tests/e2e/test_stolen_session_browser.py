"""A stolen session in a real browser: its cookie copied into a second browser an hour after sign-in.

The thief's browser is signed in, but cannot add an address, cannot guess
its way to the password-change page, and is signed out when the owner signs
out everywhere. On the old code the thief added an address at once and had 40
guesses at the current password before the 41st changed it.
"""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from accounts.models import Email, SecurityEvent
from accounts.services import SESSION_AUTH_TIME
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device_in_browser, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, site_url, user, device):
    known_device_in_browser(page, site_url, user)  # the owner's own browser
    page.goto(f"{site_url}/account/login/")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_stolen_session_cannot_take_the_account(browser, site_url):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    owner_context, thief_context = browser.new_context(), browser.new_context()
    try:
        owner = owner_context.new_page()
        _sign_in(owner, site_url, user, device)

        # The cookie is copied into another browser; its sign-in is an hour old by the time it is used.
        (cookie,) = [c for c in owner_context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
        thief_context.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": site_url}])
        session = SessionStore(session_key=cookie["value"])
        session[SESSION_AUTH_TIME] = int(time.time()) - 3600
        session.save()
        thief = thief_context.new_page()
        thief.goto(f"{site_url}/manage/account/")
        expect(thief.get_by_role("heading", name="Account settings")).to_be_visible()

        # It cannot add an address.
        thief.get_by_role("textbox", name="Email address").fill("thief@example.com")
        thief.get_by_role("button", name="Add email address").click()
        expect(thief.get_by_role("heading", name="Confirm it is you")).to_be_visible()
        expect(thief.get_by_text("so your change was not made")).to_be_visible()
        assert not Email.objects.filter(email="thief@example.com").exists()

        # It cannot reach the password form, and guessing the password is cut off after the login limit.
        thief.goto(f"{site_url}/manage/account/password/")
        expect(thief.get_by_role("heading", name="Confirm it is you")).to_be_visible()
        expect(thief.get_by_label("Old password")).to_have_count(0)
        for guess in range(10):
            thief.get_by_label("Password").fill(f"guess-{guess}")
            thief.get_by_role("button", name="Confirm").click()
            expect(thief.get_by_text("The password you entered is not correct.").first).to_be_visible()
        thief.get_by_label("Password").fill(PASSWORD)  # even the right one, now
        thief.get_by_role("button", name="Confirm").click()
        expect(thief.get_by_text("Too many attempts. Try again in")).to_be_visible()
        expect(thief.get_by_label("Old password")).to_have_count(0)
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

        # The owner signs out everywhere: the copied cookie is worth nothing from then on.
        owner.goto(f"{site_url}/manage/account/")
        owner.get_by_role("button", name="Sign out everywhere, this browser too").click()
        expect(owner.get_by_text("You signed out everywhere. Sign in again, then change your password.")).to_be_visible()
        thief.goto(f"{site_url}/manage/account/")
        assert "/account/login/" in thief.url
        expect(thief.get_by_role("heading", name="Account settings")).to_have_count(0)
        tags = set(SecurityEvent.objects.filter(user=user).values_list("tag", flat=True))
        assert {"account:rate_limited", "account:session:end_others"} <= tags
    finally:
        owner_context.close()
        thief_context.close()
