"""Keyboard only: log in with a password and a TOTP code, then create an API token,
with Tab, typing and Enter, never the mouse. A failed submit puts focus on the error summary."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.mfa.factories import known_device_in_browser, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is called: its label, or its own text for links and buttons.
FOCUSED_NAME = """() => {
    const el = document.activeElement;
    if (!el) return "";
    const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
    return (label || el.textContent || el.value || "").trim();
}"""


def tab_to(page, name, *, limit=80):
    """Press Tab until the focused element is called `name` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_NAME).startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_login_with_totp_and_token_creation_by_keyboard(page, site_url, two_factor_user):
    known_device_in_browser(page, site_url, two_factor_user)  # a browser the account has used: no new-device link
    page.goto(f"{site_url}/account/login/")
    tab_to(page, "Username or email")
    page.keyboard.type(two_factor_user.username)
    tab_to(page, "Password")
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")

    # The failed submit: focus on the one error summary, the title says so.
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary").count() == 1

    page.keyboard.press("Shift+Tab")  # back to the top of the page, then forward to the fields
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    tab_to(page, "Code from your authenticator app")
    page.keyboard.type(totp_code(two_factor_user.totp_device))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{site_url}/manage/account/token/")
    tab_to(page, "Token name")
    page.keyboard.type("keyboard job")
    tab_to(page, "Only the projects chosen below")  # the checked radio of the group
    page.keyboard.press("ArrowUp")  # "Entire account"
    tab_to(page, "Create token")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Token “keyboard job” created")).to_be_visible()
    token = page.locator("#token-value").inner_text().strip()
    assert token.startswith("pypi-")
    tab_to(page, "I have copied it")
    page.keyboard.press("Enter")
    expect(page.get_by_role("cell", name="keyboard job", exact=True)).to_be_visible()
