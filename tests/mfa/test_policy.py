"""Mandatory 2FA and re-authentication, as other apps use them."""

import time

import pytest

from accounts.models import SecurityEvent
from mfa.selectors import user_has_two_factor
from tests.accounts.factories import PASSWORD
from tests.mfa import urls as test_urls
from tests.mfa.factories import TOTPDeviceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.mfa.urls")]

MESSAGE = "Two-factor authentication must be enabled on your account to perform this action."


def _age_session(client, seconds):
    session = client.session
    session["auth_time"] = int(time.time()) - seconds
    session.save()


def test_user_has_two_factor_counts_totp_and_keys_not_recovery_codes(user, rf):
    from mfa.services import recovery_codes_generate

    assert not user_has_two_factor(user)
    TOTPDeviceFactory(user=user, confirmed=False)
    assert not user_has_two_factor(user)
    device = TOTPDeviceFactory(user=user)
    request = rf.get("/")
    recovery_codes_generate(request=request, user=user)
    assert user_has_two_factor(user)
    device.delete()
    assert not user_has_two_factor(user)  # recovery codes alone are not 2FA


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/manage/test-guarded/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/manage/test-guarded/")


@pytest.mark.parametrize("path", ["/manage/test-guarded/", "/manage/test-guarded-class/"])
def test_user_without_two_factor_is_redirected_with_message(logged_in_client, path):
    response = logged_in_client.get(path, follow=True)
    assert response.redirect_chain[0][0] == f"/manage/account/two-factor/?next={path.replace('/', '%2F')}"
    assert MESSAGE in response.content.decode()
    assert f'href="{path}"' not in response.content.decode()  # no "continue" link until 2FA is on


def test_two_factor_user_with_fresh_login_sees_page(two_factor_client):
    assert two_factor_client.get("/manage/test-guarded/").content == b"guarded page"
    assert two_factor_client.get("/manage/test-guarded-class/").content == b"guarded class page"


def test_stale_session_gets_password_prompt_in_place_and_returns(two_factor_client, two_factor_user):
    _age_session(two_factor_client, 31 * 60)
    response = two_factor_client.get("/manage/test-guarded/?tab=1")
    assert response.status_code == 200
    assert b"Confirm your password to continue" in response.content
    response = two_factor_client.post("/manage/test-guarded/?tab=1", {"_reauthenticate": "1", "password": "wrong"})
    assert response.status_code == 400
    assert b"The password you entered is not correct." in response.content
    response = two_factor_client.post("/manage/test-guarded/?tab=1", {"_reauthenticate": "1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/manage/test-guarded/?tab=1"
    assert two_factor_client.get("/manage/test-guarded/?tab=1").content == b"guarded page"
    assert SecurityEvent.objects.filter(user=two_factor_user, tag="account:reauthenticate").count() == 1


def test_session_within_30_minutes_is_not_asked(two_factor_client):
    _age_session(two_factor_client, 29 * 60)
    assert two_factor_client.get("/manage/test-guarded/").content == b"guarded page"


def test_stale_post_is_not_performed(two_factor_client):
    test_urls.performed.clear()
    _age_session(two_factor_client, 31 * 60)
    response = two_factor_client.post("/manage/test-guarded/", {"action": "delete-everything"})
    assert response.status_code == 200
    assert b"was <strong>not</strong> made" in response.content
    assert test_urls.performed == []
    two_factor_client.post("/manage/test-guarded/", {"_reauthenticate": "1", "password": PASSWORD})
    two_factor_client.post("/manage/test-guarded/", {"action": "delete-everything"})
    assert test_urls.performed == ["delete-everything"]


def test_session_without_auth_time_is_asked(two_factor_client):
    session = two_factor_client.session
    del session["auth_time"]
    session.save()
    assert b"Confirm your password" in two_factor_client.get("/manage/test-guarded/").content
