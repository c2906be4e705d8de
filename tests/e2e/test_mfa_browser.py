"""Two-factor authentication in a real Chromium, with DevTools' virtual authenticator for WebAuthn."""

import re
from base64 import b32decode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import SecurityEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device_in_browser, totp_code, totp_code_for_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, site_url, user, next_path=""):
    page.goto(f"{site_url}/account/login/{next_path}")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def add_virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp


def set_up_totp_in_page(page):
    """Read the shown secret as a person would type it into an app, and confirm with the app's code."""
    secret = page.locator("#totp-secret").inner_text().strip()
    expect(page.locator(".qr svg")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(totp_code_for_key(b32decode(secret).hex()))
    page.get_by_role("button", name="Confirm and turn on").click()


def register_security_key(page, site_url, label):
    page.goto(f"{site_url}/manage/account/webauthn-provision/")
    page.get_by_label("Label for the new security key").fill(label)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Register security key").click()
    # The first method added leads on to recovery codes.
    page.wait_for_url(f"{site_url}/manage/account/recovery-codes/")
    expect(page.get_by_text(f"Security key “{label}” added.")).to_be_visible()


def test_totp_set_up_from_shown_secret_then_login_needs_code(page, site_url):
    user = UserFactory()
    log_in(page, site_url, user)
    page.wait_for_url(f"{site_url}/manage/account/")
    page.goto(f"{site_url}/manage/account/totp-provision/")
    set_up_totp_in_page(page)
    page.wait_for_url(f"{site_url}/manage/account/recovery-codes/")
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()

    log_out(page)
    log_in(page, site_url, user)
    page.wait_for_url(f"{site_url}/account/two-factor/")
    page.goto(f"{site_url}/manage/account/")  # not logged in until the second step
    assert "/account/login/" in page.url
    page.goto(f"{site_url}/account/two-factor/")
    page.get_by_label("Code from your authenticator app").fill(totp_code(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="Verify code").click()
    page.wait_for_url(f"{site_url}/manage/account/")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()


def test_security_key_registered_and_used_as_second_factor(page, site_url):
    add_virtual_authenticator(page)
    user = UserFactory()
    log_in(page, site_url, user)
    page.wait_for_url(f"{site_url}/manage/account/")
    register_security_key(page, site_url, "Virtual key")
    assert SecurityEvent.objects.filter(user=user, tag="account:two_factor:method_added").exists()
    page.goto(f"{site_url}/manage/account/webauthn-provision/")
    expect(page.get_by_role("cell", name="Virtual key", exact=True)).to_be_visible()

    log_out(page)
    log_in(page, site_url, user)
    page.wait_for_url(f"{site_url}/account/two-factor/")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{site_url}/manage/account/")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    event = SecurityEvent.objects.filter(user=user, tag="account:login:success").order_by("id").last()
    assert event.details == {"method": "webauthn"}


def test_passkey_only_sign_in(page, site_url):
    add_virtual_authenticator(page)
    user = UserFactory()
    log_in(page, site_url, user)
    page.wait_for_url(f"{site_url}/manage/account/")
    register_security_key(page, site_url, "Laptop passkey")
    log_out(page)

    page.goto(f"{site_url}/account/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{site_url}/manage/account/")
    expect(page.get_by_text(f"Account ({user.username})")).to_be_visible()  # the account menu
    event = SecurityEvent.objects.filter(user=user, tag="account:login:success").order_by("id").last()
    assert event.details == {"method": "passkey"}


def test_sign_in_with_recovery_code(page, site_url):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    known_device_in_browser(page, site_url, user)  # a browser the account has used: no new-device link
    log_in(page, site_url, user)
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Verify code").click()
    page.wait_for_url(f"{site_url}/manage/account/")
    page.goto(f"{site_url}/manage/account/recovery-codes/")
    page.get_by_role("button", name="Generate recovery codes").click()
    codes = page.locator("#recovery-codes").inner_text().split()
    assert len(codes) == 8
    expect(page.get_by_role("link", name="Download as a text file")).to_be_visible()

    log_out(page)
    log_in(page, site_url, user)
    page.get_by_role("textbox", name="Recovery code").fill(codes[3])
    page.get_by_role("button", name="Use recovery code").click()
    page.wait_for_url(f"{site_url}/manage/account/")
    expect(page.get_by_text("You signed in with a recovery code. You have 7 recovery codes left.")).to_be_visible()


def test_user_without_two_factor_is_sent_to_set_it_up_and_returned(page, site_url):
    user = UserFactory()
    log_in(page, site_url, user)
    page.wait_for_url(f"{site_url}/manage/account/")
    page.goto(f"{site_url}/manage/account/token/")
    page.wait_for_url(re.compile(r"/manage/account/two-factor/\?next="))
    expect(
        page.get_by_text("Two-factor authentication must be enabled on your account to perform this action.")
    ).to_be_visible()
    page.get_by_role("link", name="Add an authenticator app").click()
    set_up_totp_in_page(page)
    page.wait_for_url(re.compile(r"/manage/account/recovery-codes/\?next="))
    page.get_by_role("button", name="Generate recovery codes").click()
    page.get_by_role("link", name="I have saved my codes: continue").click()
    page.wait_for_url(f"{site_url}/manage/account/token/")
    assert "two-factor" not in page.url
