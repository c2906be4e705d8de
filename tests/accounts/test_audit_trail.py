"""Every change staff make through the admin is recorded naming them, and users are emailed about their account."""

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import services
from accounts.models import Email, SecurityEvent
from mfa.models import RecoveryCodeDevice
from mfa.services import recovery_code_verify, recovery_codes_generate
from packages.models import ProhibitedProjectName
from tests.accounts.factories import UserFactory
from tests.accounts.test_admin import staff_client  # noqa: F401 - fixture
from tests.mfa.factories import TOTPDeviceFactory

pytestmark = pytest.mark.django_db


def _staff_events(tag):
    return list(SecurityEvent.objects.filter(tag=tag).order_by("id"))


def _user_form(user, **changes):
    data = {
        "username": user.username,
        "name": user.name,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "emails-TOTAL_FORMS": "1",
        "emails-INITIAL_FORMS": "1",
        "emails-MIN_NUM_FORMS": "0",
        "emails-MAX_NUM_FORMS": "1000",
    }
    email = user.emails.get()
    data.update({"emails-0-id": str(email.pk), "emails-0-user": str(user.pk), "emails-0-email": email.email,
                 "emails-0-primary": "on", "emails-0-verified": "on"})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_user_form_changes_are_recorded_naming_the_staff_member(staff_client):
    member = UserFactory()
    response = staff_client.post(
        f"/admin/accounts/user/{member.pk}/change/", _user_form(member, is_staff="on", **{"emails-0-verified": None})
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    events = _staff_events("account:staff:change")
    assert [e.details for e in events] == [
        {"staff": "moderator", "changes": {"is_staff": True}},
        {"staff": "moderator", "changes": {"emails": [{"email": member.emails.get().email, "verified": False}]}},
    ]
    assert all(e.user == member for e in events)


def test_admin_password_set_is_recorded(staff_client):
    member = UserFactory()
    response = staff_client.post(
        f"/admin/accounts/user/{member.pk}/password/",
        {"password1": "a brand new passphrase 7", "password2": "a brand new passphrase 7", "usable_password": "true"},
    )
    assert response.status_code == 302
    event = _staff_events("account:staff:change")[-1]
    assert event.user == member and event.details == {"staff": "moderator", "changes": {"credential": "password set"}}
    assert "brand new" not in str(event.details)


def test_prohibited_names_add_edit_delete_are_recorded(staff_client):
    assert staff_client.post("/admin/packages/prohibitedprojectname/add/", {"name": "Bad_Name", "comment": "spam"}).status_code == 302
    prohibition = ProhibitedProjectName.objects.get()
    assert prohibition.name == "bad-name"
    url = f"/admin/packages/prohibitedprojectname/{prohibition.pk}/"
    assert staff_client.post(url + "change/", {"name": "worse-name", "comment": "spam"}).status_code == 302
    assert staff_client.post(url + "delete/", {"post": "yes"}).status_code == 302
    assert [(e.tag, e.project_name, e.details.get("staff")) for e in SecurityEvent.objects.filter(tag__startswith="project:name").order_by("id")] == [
        ("project:name:prohibit", "bad-name", "moderator"),
        ("project:name:prohibit:change", "worse-name", "moderator"),
        ("project:name:prohibit:remove", "worse-name", "moderator"),
    ]


@pytest.mark.parametrize("kind", ["totp", "webauthn", "recovery_codes"])
def test_admin_deletes_of_second_factors_are_recorded_and_mailed(staff_client, kind, django_capture_on_commit_callbacks):
    member = UserFactory()
    if kind == "totp":
        device, path = TOTPDeviceFactory(user=member), "otp_totp/totpdevice"
    elif kind == "webauthn":
        device = WebAuthnCredential.objects.create(user=member, name="Blue key", credential_id=b"b" * 16, public_key=b"k", confirmed=True)
        path = "django_otp_webauthn/webauthncredential"
    else:
        recovery_codes_generate(request=None, user=member)
        device, path = RecoveryCodeDevice.objects.get(user=member), "mfa/recoverycodedevice"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/{path}/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not type(device).objects.filter(pk=device.pk).exists()
    event = SecurityEvent.objects.get(tag="account:two_factor:method_removed", user=member)
    assert event.details["method"] == kind and event.details["staff"] == "moderator"
    assert mail.outbox[-1].to == [member.emails.get().email]
    assert mail.outbox[-1].subject.endswith("Two-factor method removed by staff")


def test_users_are_mailed_about_email_changes(django_capture_on_commit_callbacks):
    member = UserFactory(email="first@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        second = services.email_add(request=None, user=member, email="second@example.com")
    added = [m for m in mail.outbox if m.subject.endswith("Email address added")]
    assert [m.to for m in added] == [["first@example.com"]]
    Email.objects.filter(pk=second.pk).update(verified=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.email_make_primary(request=None, user=member, email_id=second.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.com", "second@example.com"]
    assert all("Your primary email address is now second@example.com" in m.body for m in mail.outbox)
    mail.outbox.clear()
    first = member.emails.get(email="first@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.email_remove(request=None, user=member, email_id=first.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.com", "second@example.com"]
    assert all(m.subject.endswith("Email address removed") for m in mail.outbox)


def test_a_recovery_code_used_is_mailed_with_how_many_remain(django_capture_on_commit_callbacks):
    member = UserFactory()
    codes = recovery_codes_generate(request=None, user=member)
    with django_capture_on_commit_callbacks(execute=True):
        recovery_code_verify(request=None, user=member, code=codes[0])
    assert mail.outbox[-1].subject.endswith("Recovery code used")
    assert "7 unused codes remain." in mail.outbox[-1].body
    assert codes[1] not in mail.outbox[-1].body


def test_freeze_unfreeze_and_a_staff_2fa_reset_are_mailed(staff_client, django_capture_on_commit_callbacks):
    member = UserFactory()
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    for action in ("freeze", "unfreeze", "_reset_two_factor"):
        with django_capture_on_commit_callbacks(execute=True):
            staff_client.post("/admin/accounts/user/", {"action": action, "_selected_action": [member.pk], "index": 0})
    subjects = [m.subject.split("] ", 1)[1] for m in mail.outbox if m.to == [member.emails.get().email]]
    assert subjects == ["Account frozen", "Account unfrozen", "Two-factor authentication reset"]
