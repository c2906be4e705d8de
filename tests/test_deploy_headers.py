"""Deployment hardening: CSP with no inline script or style, Referrer-Policy, Permissions-Policy, session rotation."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.accounts.factories import PASSWORD
from tests.mfa.factories import known_device, totp_code

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_every_page_carries_the_security_headers(client, db):
    response = client.get("/account/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_no_template_has_inline_script_or_style():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or "application/json" in tag, f"inline script in {path}: {tag}"
        assert "<style" not in text, f"inline style element in {path}"
        assert not re.search(r"\sstyle=", text), f"style attribute in {path}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path}"


@pytest.mark.django_db
def test_the_session_key_changes_at_the_password_step_and_at_the_second_factor(client, two_factor_user):
    known_device(client, two_factor_user)
    client.get("/account/login/")
    client.session.save()
    before = client.session.session_key
    client.post("/account/login/", {"username": two_factor_user.username, "password": PASSWORD})
    after_password = client.session.session_key
    client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(two_factor_user.totp_device)})
    after_second_factor = client.session.session_key
    assert len({before, after_password, after_second_factor}) == 3


@pytest.mark.parametrize("url", ["/pypi/%00/json", "/simple/%00/", "/project/a%00b/", "/search/?q=%00", "/simple/?x=%00"])
def test_a_nul_byte_in_the_address_is_a_clear_400(client, db, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "may not contain a NUL byte" in response.content.decode()
