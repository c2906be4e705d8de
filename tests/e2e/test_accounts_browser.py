"""A person in a real browser: register, open the verification link from the mail file, log in."""

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _verification_link(mail_dir: Path, site_url: str):
    bodies = [p.read_text() for p in sorted(mail_dir.iterdir())]
    assert bodies, "no mail was written"
    match = re.search(re.escape(site_url) + r"/account/verify-email/\?token=\S+", bodies[-1])
    assert match, bodies[-1]
    return match.group(0)


def test_register_verify_login_account_page(page, site_url, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)

    page.goto(f"{site_url}/account/register/")
    assert page.title().startswith("Create an account")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Full name").fill("Carol Danvers")
    page.get_by_label("Email address").fill("carol@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("higher-further-faster")
    page.get_by_label("Confirm password").fill("higher-further-faster")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{site_url}/manage/account/")
    assert "We sent a verification link to carol@example.com" in page.inner_text("main")
    assert "unverified" in page.inner_text("main")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{site_url}/")

    # The link from the mail file, opened while logged out, verifies the address.
    page.goto(_verification_link(tmp_path, site_url))
    page.wait_for_url(re.compile(r".*/account/login/.*"))
    assert "Email address carol@example.com verified." in page.inner_text("main")

    page.get_by_label("Username or email").fill("carol@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("higher-further-faster")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site_url}/manage/account/")
    main = page.inner_text("main")
    assert "Primary, verified" in main
    # The history in words, not internal tags.
    for description in ("Account created", "Email address verified", "Logged in", "Logged out"):
        assert description in main
    assert "account:create" not in main
    assert "HeadlessChrome" in main, "the security history shows the browser's user agent"
