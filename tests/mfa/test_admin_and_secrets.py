"""The admin requires a second factor from staff; secrets never reach logs or events."""

import logging
import re

import pytest

from accounts.models import SecurityEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import known_device, TOTPDeviceFactory, totp_code, totp_code_for_key

pytestmark = pytest.mark.django_db


def test_anonymous_admin_goes_to_site_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/account/login/?next=")


def test_staff_without_two_factor_is_sent_to_set_it_up(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.post("/account/login/", {"username": staff.username, "password": PASSWORD})
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/manage/account/two-factor/?next=%2Fadmin%2F"
    assert "Two-factor authentication must be enabled on your account to perform this action." in response.content.decode()


def test_staff_with_second_factor_reaches_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    device = TOTPDeviceFactory(user=staff)
    known_device(client, staff)
    client.post("/account/login/", {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    assert response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response.status_code == 200 and b"Site administration" in response.content


def test_staff_session_older_than_their_two_factor_must_pass_it(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.post("/account/login/", {"username": staff.username, "password": PASSWORD})  # no 2FA yet
    device = TOTPDeviceFactory(user=staff)  # added from another session
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/account/two-factor/"
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_never_shows_totp_secrets(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    device = TOTPDeviceFactory(user=staff)
    known_device(client, staff)
    client.post("/account/login/", {"username": staff.username, "password": PASSWORD})
    client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.content.decode()


def test_no_secret_or_recovery_code_in_logs_events_or_pages(client, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    user = UserFactory()
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    page = client.get("/manage/account/totp-provision/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    from base64 import b32decode

    key = b32decode(secret).hex()
    client.post("/manage/account/totp-provision/", {"code": "999999" if totp_code_for_key(key) != "999999" else "888888"})
    code = totp_code_for_key(key)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/manage/account/totp-provision/", {"code": code})
        codes_page = client.post("/manage/account/recovery-codes/").content.decode()
        client.post("/manage/account/recovery-codes/")  # regenerate
    codes = re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b", codes_page)
    client.post("/account/logout/")
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    client.post("/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": codes[0]})  # old set: refused
    client.post("/account/two-factor/", {"method": "totp", "totp-code": "12345x"})

    from django.core import mail

    secrets = [secret, key, code, *codes, *(c.replace("-", "") for c in codes)]
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    events = "".join(repr((e.tag, e.details, e.user_agent)) for e in SecurityEvent.objects.all())
    mails = "".join(m.subject + m.body for m in mail.outbox)
    assert SecurityEvent.objects.filter(tag="account:two_factor:failure").exists()
    for value in secrets:
        assert value not in logged
        assert value not in events
        assert value not in mails
