"""Recovery codes and the half-logged-in state of the second step."""

import re

import pytest
from django.core import mail

from accounts.models import SecurityEvent
from mfa.models import RecoveryCode
from tests.accounts.factories import PASSWORD
from tests.mfa.factories import known_device, totp_code

pytestmark = pytest.mark.django_db


def _generate(client):
    response = client.post("/manage/account/recovery-codes/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b", response.content.decode()), response


def _tags(user):
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("tag", flat=True))


def test_eight_codes_shown_once_stored_hashed_with_download(two_factor_client, two_factor_user):
    codes, response = _generate(two_factor_client)
    codes = list(dict.fromkeys(codes))
    assert len(codes) == 8
    content = response.content.decode()
    assert 'download="' in content and "data:text/plain" in content
    assert "Copy to clipboard" in content
    stored = list(RecoveryCode.objects.filter(device__user=two_factor_user).values_list("code_hash", flat=True))
    assert len(stored) == 8
    assert not any(code in digest or code.replace("-", "") in digest for code in codes for digest in stored)
    page = two_factor_client.get("/manage/account/recovery-codes/").content.decode()
    assert not any(code in page for code in codes)  # never shown again
    assert "You have 8 unused recovery codes." in page
    assert "account:recovery_codes:generated" in _tags(two_factor_user)


def _login_to_second_step(client, user):
    client.post("/account/logout/")
    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/account/two-factor/"


def test_login_with_recovery_code_tells_how_many_remain_and_code_works_once(two_factor_client, two_factor_user):
    codes, _ = _generate(two_factor_client)
    _login_to_second_step(two_factor_client, two_factor_user)
    response = two_factor_client.post(
        "/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": codes[0].upper()}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/manage/account/"
    assert "You signed in with a recovery code. You have 7 recovery codes left." in response.content.decode()
    used = SecurityEvent.objects.filter(user=two_factor_user, tag="account:recovery_codes:used").get()
    assert used.details == {"remaining": 7}
    assert SecurityEvent.objects.filter(user=two_factor_user, tag="account:login:success").order_by("id").last().details == {
        "method": "recovery_code"
    }

    _login_to_second_step(two_factor_client, two_factor_user)
    response = two_factor_client.post("/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": codes[0]})
    assert response.status_code == 400
    assert "This recovery code has already been used." in response.content.decode()
    assert two_factor_client.get("/manage/account/").status_code == 302
    failure = SecurityEvent.objects.filter(user=two_factor_user, tag="account:two_factor:failure").order_by("id").last()
    assert failure.details == {"method": "recovery_code", "reason": "used"}


def test_unknown_recovery_code_is_refused(client, two_factor_user):
    client.post("/account/login/", {"username": two_factor_user.username, "password": PASSWORD})
    response = client.post("/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": "abcd-abcd-abcd-abcd"})
    assert response.status_code == 400
    assert "That recovery code is not valid." in response.content.decode()


def test_regenerating_replaces_every_code_and_emails(two_factor_client, two_factor_user, django_capture_on_commit_callbacks):
    old, _ = _generate(two_factor_client)
    with django_capture_on_commit_callbacks(execute=True):
        new, _ = _generate(two_factor_client)
    assert not set(old) & set(new)
    assert RecoveryCode.objects.filter(device__user=two_factor_user).count() == 8
    assert "account:recovery_codes:regenerated" in _tags(two_factor_user)
    assert mail.outbox[-1].subject.endswith("Recovery codes regenerated")
    _login_to_second_step(two_factor_client, two_factor_user)
    response = two_factor_client.post("/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": old[0]})
    assert response.status_code == 400


def test_recovery_codes_need_a_two_factor_method_first(logged_in_client):
    response = logged_in_client.post("/manage/account/recovery-codes/", follow=True)
    assert "Add an authenticator app or a security key before generating recovery codes." in response.content.decode()
    assert not RecoveryCode.objects.exists()


def test_half_login_expires_after_five_minutes(client, two_factor_user):
    client.post("/account/login/", {"username": two_factor_user.username, "password": PASSWORD, "next": "/manage/account/token/"})
    session = client.session
    session["mfa_half_login"]["started"] -= 301
    session.save()
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(two_factor_user.totp_device)}, follow=True)
    assert response.redirect_chain[0][0].startswith("/account/login/?next=")
    assert "Your sign-in expired after 5 minutes without a second factor. Log in again." in response.content.decode()
    assert client.get("/manage/account/").status_code == 302
    failure = SecurityEvent.objects.get(user=two_factor_user, tag="account:two_factor:failure")
    assert failure.details == {"reason": "expired"}
    assert client.get("/account/two-factor/").status_code == 302  # the half-login is gone


def test_second_step_without_password_step_goes_to_login(client, db):
    response = client.get("/account/two-factor/")
    assert response.status_code == 302 and response["Location"] == "/account/login/"


def test_second_step_returns_to_next(client, two_factor_user):
    known_device(client, two_factor_user)
    client.post("/account/login/", {"username": two_factor_user.username, "password": PASSWORD, "next": "/manage/account/two-factor/"})
    response = client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(two_factor_user.totp_device)})
    assert response["Location"] == "/manage/account/two-factor/"


def test_account_page_shows_two_factor_section(two_factor_client):
    page = two_factor_client.get("/manage/account/").content.decode()
    assert "Two-factor authentication is on" in page and 'href="/manage/account/two-factor/"' in page


def test_login_page_offers_passkey_sign_in(client, db):
    page = client.get("/account/login/").content.decode()
    assert "Sign in with a passkey" in page
    assert "/account/two-factor/webauthn/passkey/begin/" in page


def test_codes_are_stored_with_a_slow_salted_hash(two_factor_client, two_factor_user):
    from mfa.models import recovery_code_digest

    codes, _ = _generate(two_factor_client)
    stored = list(RecoveryCode.objects.filter(device__user=two_factor_user).values_list("code_hash", flat=True))

    # Django's first password hasher (Argon2; the tests' cheap variant keeps its name), each with its own salt.
    assert all(value.startswith("argon2$") for value in stored)
    assert len({value.split("$")[-2] for value in stored}) == 8
    # A fast digest of a code, which an offline search could try 2^64 times cheaply, is not what is kept.
    assert not {recovery_code_digest(code) for code in codes} & set(stored)


def test_codes_stored_as_digests_before_keep_working_once_migrated(client, two_factor_user):
    import importlib

    from django.apps import apps

    from mfa.models import RecoveryCodeDevice, new_recovery_code, recovery_code_digest

    migration = importlib.import_module("mfa.migrations.0002_recovery_codes_slow_salted_hash")
    code = new_recovery_code()
    device = RecoveryCodeDevice.objects.create(user=two_factor_user, name="Recovery codes", confirmed=True)
    RecoveryCode.objects.create(device=device, code_hash=recovery_code_digest(code))  # as rows were stored before

    migration.wrap_digests(apps, None)
    migration.wrap_digests(apps, None)  # a second run leaves hashed rows alone

    stored = RecoveryCode.objects.get().code_hash
    assert stored.startswith("argon2$") and recovery_code_digest(code) not in stored
    known_device(client, two_factor_user)
    client.post("/account/login/", {"username": two_factor_user.username, "password": PASSWORD})
    response = client.post("/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/manage/account/"
    assert RecoveryCode.objects.get().used_at is not None
