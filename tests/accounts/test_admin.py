"""Staff moderate accounts through the admin: freeze, unfreeze, reset 2FA; each is an event."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.events import EventTag
from accounts.models import SecurityEvent
from mfa.events import EventTag as MfaEventTag
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device, totp_code
from tests.tokens.factories import basic_auth_header, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(username="moderator", is_staff=True, is_superuser=True)
    device = TOTPDeviceFactory(user=staff)
    known_device(client, staff)  # a browser the account has used: no new-device link
    client.post("/account/login/", {"username": staff.username, "password": PASSWORD})
    client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    assert client.get("/admin/").status_code == 200
    return client


def _action(client, action, user):
    return client.post(
        "/admin/accounts/user/", {"action": action, "_selected_action": [user.pk], "index": 0}, follow=True
    )


def test_freezing_ends_sessions_and_tokens_and_is_recorded(staff_client):
    member = UserFactory()
    session = Client()
    session.post("/account/login/", {"username": member.username, "password": PASSWORD})
    assert session.get("/manage/account/").status_code == 200
    _, raw = make_token(member)

    response = _action(staff_client, "freeze", member)
    assert "Froze 1 account." in response.content.decode()
    member.refresh_from_db()
    assert not member.is_active
    assert session.get("/manage/account/").status_code == 302, "the frozen user's session ended"
    upload = Client().post("/legacy/", {":action": "file_upload"}, HTTP_AUTHORIZATION=basic_auth_header(raw))
    assert upload.status_code == 403
    assert upload.reason_phrase == "Invalid or non-existent authentication information."
    event = SecurityEvent.objects.get(user=member, tag=EventTag.ACCOUNT_FROZEN)
    assert event.details == {"staff": "moderator"}

    _action(staff_client, "unfreeze", member)
    member.refresh_from_db()
    assert member.is_active
    assert SecurityEvent.objects.filter(user=member, tag=EventTag.ACCOUNT_UNFROZEN).exists()


def test_staff_reset_of_two_factor_removes_every_method(staff_client):
    member = UserFactory()
    TOTPDeviceFactory(user=member)
    response = _action(staff_client, "_reset_two_factor", member)
    assert "Reset two-factor authentication of 1 user;" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=member).exists()
    event = SecurityEvent.objects.get(user=member, tag=MfaEventTag.ACCOUNT_TWO_FACTOR_RESET)
    assert event.details == {"staff": "moderator"}


def test_security_events_are_read_only_in_the_admin(staff_client):
    event = SecurityEvent.objects.filter(tag=EventTag.ACCOUNT_LOGIN_SUCCESS).first()
    assert staff_client.get("/admin/accounts/securityevent/").status_code == 200
    page = staff_client.get(f"/admin/accounts/securityevent/{event.pk}/change/")
    assert page.status_code == 200 and b'type="submit" value="Save"' not in page.content
    assert staff_client.post(f"/admin/accounts/securityevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()
