"""The shown-once page in a real browser: the copy button, and the token readable without JavaScript."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tokens.services import token_authenticate


def log_in(context, client, site_url):
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site_url}])


def create_token(page, site_url, name):
    page.goto(site_url + "/manage/account/token/")
    page.get_by_label("Token name").fill(name)
    page.get_by_label("Entire account (all projects)").check()
    page.get_by_label("In 30 days").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name=f"Token “{name}” created")).to_be_visible()
    return page.locator("#token-value").inner_text()


@pytest.mark.browser
def test_copy_button_copies_the_token(transactional_db, site_url, browser, two_factor_client):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    log_in(context, two_factor_client, site_url)
    page = context.new_page()
    raw = create_token(page, site_url, "browser copy")
    assert token_authenticate(raw=raw).name == "browser copy"
    page.get_by_role("button", name="Copy token").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == raw
    page.get_by_role("link", name=re.compile("back to my tokens")).click()
    assert raw not in page.content()
    context.close()


@pytest.mark.browser
def test_token_is_shown_and_selectable_without_javascript(transactional_db, site_url, browser, two_factor_client):
    context = browser.new_context(java_script_enabled=False)
    log_in(context, two_factor_client, site_url)
    page = context.new_page()
    raw = create_token(page, site_url, "no script")
    assert token_authenticate(raw=raw).name == "no script"
    expect(page.locator("#token-value")).to_be_visible()
    expect(page.get_by_role("button", name="Copy token")).to_be_hidden()  # nothing that cannot work
    context.close()
