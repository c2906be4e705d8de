"""Authenticator apps: provisioning, login with a code, replay, throttling, removal."""

import re
import time

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import known_device, totp_code, totp_code_for_key

pytestmark = pytest.mark.django_db


def _key_from_page(content):
    from base64 import b32decode

    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', content).group(1)
    return b32decode(secret).hex(), secret


def _events(user, tag):
    return list(SecurityEvent.objects.filter(user=user, tag=tag).order_by("id"))


def _login_password(client, user):
    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_provision_shows_qr_svg_and_secret_and_saves_only_after_valid_code(
    logged_in_client, user, django_capture_on_commit_callbacks
):
    response = logged_in_client.get("/manage/account/totp-provision/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in content  # QR drawn on the server
    assert response["Cache-Control"] == "no-store"
    key, secret = _key_from_page(content)
    assert len(secret) == 32  # 160-bit secret
    assert not TOTPDevice.objects.filter(user=user).exists()

    response = logged_in_client.post("/manage/account/totp-provision/", {"code": "000000" if totp_code_for_key(key) != "000000" else "111111"})
    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in_client.post("/manage/account/totp-provision/", {"code": totp_code_for_key(key)})
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/recovery-codes/"  # offered right after the first method
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key and device.digits == 6 and device.step == 30 and device.tolerance == 1
    [event] = _events(user, "account:two_factor:method_added")
    assert event.details["method"] == "totp"
    assert mail.outbox[-1].subject.endswith("Two-factor method added: authenticator app")


def test_provision_rejects_malformed_code_with_clear_error(logged_in_client):
    logged_in_client.get("/manage/account/totp-provision/")
    response = logged_in_client.post("/manage/account/totp-provision/", {"code": "12ab"})
    assert response.status_code == 400
    assert "Enter the 6 digits your authenticator app shows." in response.content.decode()


def test_provision_requires_verified_primary_email(client):
    user = UserFactory(email__verified=False)
    client.force_login(user)
    session = client.session
    session["auth_time"] = int(time.time())
    session.save()
    response = client.get("/manage/account/totp-provision/")
    content = response.content.decode()
    assert "Verify your primary email address before adding two-factor authentication." in content
    assert 'href="/manage/account/"' in content
    assert "<svg" not in content
    assert client.post("/manage/account/totp-provision/", {"code": "123456"}).status_code == 400
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_provisioning_again_replaces_the_app(two_factor_client, two_factor_user):
    old = two_factor_user.totp_device
    key, _ = _key_from_page(two_factor_client.get("/manage/account/totp-provision/").content.decode())
    response = two_factor_client.post("/manage/account/totp-provision/", {"code": totp_code_for_key(key)})
    assert response.status_code == 302
    devices = list(TOTPDevice.objects.filter(user=two_factor_user))
    assert len(devices) == 1 and devices[0].key == key and devices[0].pk != old.pk
    assert _events(two_factor_user, "account:two_factor:method_added")[-1].details["replaced"] is True


def test_login_with_two_factor_needs_the_code(client, two_factor_user):
    known_device(client, two_factor_user)
    response = _login_password(client, two_factor_user)
    assert response["Location"] == "/account/two-factor/"
    assert client.get("/manage/account/").status_code == 302  # not logged in yet
    page = client.get("/account/two-factor/").content.decode()
    assert "Code from your authenticator app" in page
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(two_factor_user.totp_device)})
    assert response.status_code == 302 and response["Location"] == "/manage/account/"
    assert client.get("/manage/account/").status_code == 200
    [event] = _events(two_factor_user, "account:login:success")
    assert event.details == {"method": "totp"}


def test_wrong_code_is_refused_and_recorded(client, two_factor_user):
    _login_password(client, two_factor_user)
    right = totp_code(two_factor_user.totp_device)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": wrong})
    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    assert client.get("/manage/account/").status_code == 302
    [event] = _events(two_factor_user, "account:two_factor:failure")
    assert event.details == {"method": "totp", "reason": "invalid"}


def test_replayed_code_is_refused_and_recorded(client, two_factor_user):
    _login_password(client, two_factor_user)
    code = totp_code(two_factor_user.totp_device)
    assert client.post("/account/two-factor/", {"method": "totp", "totp-code": code}).status_code == 302
    client.post("/account/logout/")
    _login_password(client, two_factor_user)
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": code})
    assert response.status_code == 400
    assert "This code has already been used." in response.content.decode()
    assert client.get("/manage/account/").status_code == 302
    assert _events(two_factor_user, "account:two_factor:failure")[-1].details == {"method": "totp", "reason": "replay"}


def test_code_from_two_steps_ago_is_refused(client, two_factor_user):
    _login_password(client, two_factor_user)
    old = totp_code_for_key(two_factor_user.totp_device.key, at=time.time() - 65)
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": old})
    assert response.status_code == 400


def test_sixth_wrong_code_within_five_minutes_gets_429(client, two_factor_user):
    _login_password(client, two_factor_user)
    right = totp_code(two_factor_user.totp_device)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    for _ in range(5):
        assert client.post("/account/two-factor/", {"method": "totp", "totp-code": wrong}).status_code == 400
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": right})
    assert response.status_code == 429
    assert re.search(r"Too many attempts\. Try again in \d+ minutes?\.", response.content.decode())
    assert int(response["Retry-After"]) > 0
    assert client.get("/manage/account/").status_code == 302
    failures = [e.details["reason"] for e in _events(two_factor_user, "account:two_factor:failure")]
    assert failures == ["invalid"] * 5 + ["rate_limited"]


def test_remove_app_needs_password_and_keeps_last_method(two_factor_client, two_factor_user):
    response = two_factor_client.post("/manage/account/totp-provision/remove/", {"remove-totp-password": "nope"}, follow=True)
    assert "The password you entered is not correct." in response.content.decode()
    response = two_factor_client.post("/manage/account/totp-provision/remove/", {"remove-totp-password": PASSWORD}, follow=True)
    assert "This is your last two-factor method" in response.content.decode()
    assert TOTPDevice.objects.filter(user=two_factor_user).exists()
    assert _events(two_factor_user, "account:two_factor:failure")[-1].details == {"method": "totp", "reason": "last_method"}


def test_remove_app_when_a_security_key_remains(two_factor_client, two_factor_user, django_capture_on_commit_callbacks):
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.create(
        user=two_factor_user, name="Blue key", credential_id=b"x" * 16, public_key=b"k", confirmed=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(
            "/manage/account/totp-provision/remove/", {"remove-totp-password": PASSWORD}, follow=True
        )
    assert "Authenticator app removed." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=two_factor_user).exists()
    [event] = _events(two_factor_user, "account:two_factor:method_removed")
    assert event.details == {"method": "totp", "label": "Authenticator app"}
    assert mail.outbox[-1].subject.endswith("Two-factor method removed: authenticator app")


def test_user_without_two_factor_logs_in_with_password_alone(logged_in_client, user):
    assert logged_in_client.get("/manage/account/").status_code == 200
    assert _events(user, "account:login:success")[0].details == {"method": "password"}


def test_two_factor_pages_ask_for_reauthentication(two_factor_client):
    session = two_factor_client.session
    session["auth_time"] = int(time.time()) - 3600
    session.save()
    for path in ["/manage/account/totp-provision/", "/manage/account/webauthn-provision/", "/manage/account/recovery-codes/"]:
        assert b"Confirm your password to continue" in two_factor_client.get(path).content, path
