"""Security keys and passkeys through the server's WebAuthn endpoints, with a software authenticator."""

import json

import pytest
from django.core import mail
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import SecurityEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db


def _post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def register_key(client, label, authenticator=None, next_url=None):
    authenticator = authenticator or SoftAuthenticator()
    response = client.post("/manage/account/webauthn-provision/", {"label": label})
    assert response.status_code == 302, response.content.decode()[:3000]
    options = _post_json(client, "/manage/account/webauthn-provision/begin/").json()
    url = "/manage/account/webauthn-provision/complete/" + (f"?next={next_url}" if next_url else "")
    response = _post_json(client, url, authenticator.create(options))
    return authenticator, response


def _authenticate(client, purpose, authenticator, **kwargs):
    options = _post_json(client, f"/account/two-factor/webauthn/{purpose}/begin/")
    assert options.status_code == 200, options.content
    options = options.json()
    return options, _post_json(client, f"/account/two-factor/webauthn/{purpose}/complete/", authenticator.get(options, **kwargs))


def _events(user, tag):
    return list(SecurityEvent.objects.filter(user=user, tag=tag).order_by("id"))


def test_register_security_key_with_label(logged_in_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, response = register_key(logged_in_client, "Blue key")
    assert response.status_code == 200
    assert response.json()["redirect_url"] == "/manage/account/recovery-codes/"
    credential = WebAuthnCredential.objects.get(user=user)
    assert credential.name == "Blue key" and credential.discoverable
    assert _events(user, "account:two_factor:method_added")[0].details == {"method": "webauthn", "label": "Blue key"}
    assert mail.outbox[-1].subject.endswith("Two-factor method added: security key")
    page = logged_in_client.get("/manage/account/webauthn-provision/").content.decode()
    assert "Blue key" in page and "Last used" in page


def test_labels_are_unique_per_user(logged_in_client, user):
    register_key(logged_in_client, "Blue key")
    response = logged_in_client.post("/manage/account/webauthn-provision/", {"label": "blue KEY"})
    assert response.status_code == 400
    assert "You already have a security key labelled “blue KEY”. Choose another label." in response.content.decode()
    other = UserFactory()
    WebAuthnCredential.objects.create(user=other, name="Red key", credential_id=b"r" * 16, public_key=b"k", confirmed=True)
    assert logged_in_client.post("/manage/account/webauthn-provision/", {"label": "Red key"}).status_code == 302


def test_registration_needs_a_label_first(logged_in_client):
    response = _post_json(logged_in_client, "/manage/account/webauthn-provision/begin/")
    assert response.status_code == 400
    assert response.json()["detail"] == "Choose a label for the new key first."


def test_registration_needs_verified_email(client):
    user = UserFactory(email__verified=False)
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    page = client.get("/manage/account/webauthn-provision/").content.decode()
    assert "Verify your primary email address before adding two-factor authentication." in page
    assert client.post("/manage/account/webauthn-provision/", {"label": "Key"}).status_code == 400
    response = _post_json(client, "/manage/account/webauthn-provision/begin/")
    assert response.status_code == 403
    assert "Verify your primary email address" in response.json()["detail"]


def test_page_says_javascript_is_needed(logged_in_client):
    page = logged_in_client.get("/manage/account/webauthn-provision/").content.decode()
    assert "Security keys and passkeys need JavaScript" in page
    assert "<noscript>" in page


def test_security_key_as_second_factor(logged_in_client, user, client):
    authenticator, _ = register_key(logged_in_client, "Blue key")
    logged_in_client.post("/account/logout/")
    response = logged_in_client.post("/account/login/", {"username": user.username, "password": PASSWORD, "next": "/manage/account/two-factor/"})
    assert response["Location"] == "/account/two-factor/"
    assert "Use a security key" in logged_in_client.get("/account/two-factor/").content.decode()
    options, response = _authenticate(logged_in_client, "second-step", authenticator)
    assert options["userVerification"] == "discouraged"
    assert options["allowCredentials"]  # the user's keys are offered
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/manage/account/two-factor/"
    assert logged_in_client.get("/manage/account/").status_code == 200
    assert _events(user, "account:login:success")[-1].details == {"method": "webauthn"}
    assert WebAuthnCredential.objects.get(user=user).last_used_at is not None


def test_stale_sign_counter_is_refused_and_recorded(logged_in_client, user):
    authenticator, _ = register_key(logged_in_client, "Blue key")
    logged_in_client.post("/account/logout/")
    logged_in_client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    _, response = _authenticate(logged_in_client, "second-step", authenticator, sign_count=10)
    assert response.status_code == 200
    logged_in_client.post("/account/logout/")
    logged_in_client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    _, response = _authenticate(logged_in_client, "second-step", authenticator, sign_count=7)
    assert response.status_code == 403
    assert "signature counter went backwards" in response.json()["detail"]
    assert logged_in_client.get("/manage/account/").status_code == 302
    assert _events(user, "account:two_factor:failure")[-1].details == {"method": "webauthn", "reason": "sign_count"}


def test_key_of_another_user_is_refused_at_second_step(logged_in_client, user, client):
    mine, _ = register_key(logged_in_client, "Blue key")
    logged_in_client.post("/account/logout/")
    other = UserFactory()
    WebAuthnCredential.objects.create(user=other, name="Other", credential_id=b"o" * 16, public_key=b"k", confirmed=True)
    logged_in_client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    stranger = SoftAuthenticator()
    _, response = _authenticate(logged_in_client, "second-step", stranger)
    assert response.status_code == 404
    assert logged_in_client.get("/manage/account/").status_code == 302
    assert _events(user, "account:two_factor:failure")


def test_passkey_sign_in_without_password_requires_user_verification(logged_in_client, user):
    authenticator, _ = register_key(logged_in_client, "Laptop passkey")
    logged_in_client.post("/account/logout/")
    options, response = _authenticate(logged_in_client, "passkey", authenticator)
    assert options["userVerification"] == "required"
    assert "allowCredentials" not in options or options["allowCredentials"] == []  # reveals no account
    assert response.status_code == 200, response.content
    assert logged_in_client.get("/manage/account/").status_code == 200
    assert _events(user, "account:login:success")[-1].details == {"method": "passkey"}

    logged_in_client.post("/account/logout/")
    authenticator.user_verification = False
    _, response = _authenticate(logged_in_client, "passkey", authenticator)
    assert response.status_code == 422
    assert logged_in_client.get("/manage/account/").status_code == 302


def test_second_step_endpoint_without_password_step_is_refused(client, db):
    response = _post_json(client, "/account/two-factor/webauthn/second-step/begin/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Log in with your username and password first."


def test_remove_key_needs_its_label_typed_and_keeps_last_method(logged_in_client, user, django_capture_on_commit_callbacks):
    register_key(logged_in_client, "Blue key")
    register_key(logged_in_client, "Red key")
    blue = WebAuthnCredential.objects.get(user=user, name="Blue key")
    url = f"/manage/account/webauthn-provision/{blue.pk}/remove/"
    response = logged_in_client.post(url, {"label": "Red key"})
    assert response.status_code == 400
    assert "Type the key&#x27;s label, “Blue key”, exactly to confirm." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in_client.post(url, {"label": "Blue key"})
    assert response.status_code == 302
    assert list(WebAuthnCredential.objects.filter(user=user).values_list("name", flat=True)) == ["Red key"]
    assert _events(user, "account:two_factor:method_removed")[0].details == {"method": "webauthn", "label": "Blue key"}
    assert mail.outbox[-1].subject.endswith("Two-factor method removed: security key")

    red = WebAuthnCredential.objects.get(user=user)
    response = logged_in_client.post(f"/manage/account/webauthn-provision/{red.pk}/remove/", {"label": "Red key"})
    assert response.status_code == 400
    assert "This is your last two-factor method" in response.content.decode()
    assert WebAuthnCredential.objects.filter(user=user).exists()
    assert _events(user, "account:two_factor:failure")[-1].details == {"method": "webauthn", "reason": "last_method"}


def test_cannot_remove_someone_elses_key(logged_in_client):
    other = UserFactory()
    key = WebAuthnCredential.objects.create(user=other, name="Theirs", credential_id=b"t" * 16, public_key=b"k", confirmed=True)
    response = logged_in_client.post(f"/manage/account/webauthn-provision/{key.pk}/remove/", {"label": "Theirs"})
    assert response.status_code == 302
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_reauthenticate_with_security_key(logged_in_client, user):
    import time

    authenticator, _ = register_key(logged_in_client, "Blue key")
    session = logged_in_client.session
    session["auth_time"] = int(time.time()) - 3600
    session.save()
    page = logged_in_client.get("/manage/account/recovery-codes/").content.decode()
    assert "Confirm with a security key" in page
    options = _post_json(logged_in_client, "/account/two-factor/webauthn/reauthenticate/begin/").json()
    response = _post_json(
        logged_in_client, "/account/two-factor/webauthn/reauthenticate/complete/?next=/manage/account/recovery-codes/", authenticator.get(options)
    )
    assert response.json()["redirect_url"] == "/manage/account/recovery-codes/"
    assert "Confirm your password" not in logged_in_client.get("/manage/account/recovery-codes/").content.decode()
    assert _events(user, "account:reauthenticate")[-1].details == {"method": "webauthn"}


def test_security_key_attempts_share_the_two_factor_limit(logged_in_client, user):
    authenticator, _ = register_key(logged_in_client, "Blue key")
    logged_in_client.post("/account/logout/")
    logged_in_client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    stranger = SoftAuthenticator()
    for _ in range(5):
        _authenticate(logged_in_client, "second-step", stranger)
    response = _post_json(logged_in_client, "/account/two-factor/webauthn/second-step/begin/")
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many attempts. Try again in")
    assert _events(user, "account:two_factor:failure")[-1].details == {"method": "webauthn", "reason": "rate_limited"}
