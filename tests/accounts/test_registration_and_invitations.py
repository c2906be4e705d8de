"""REGISTRATION_OPEN, and staff inviting a person by email to create an account with a single-use link."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.account_invitations.services import account_invitation_accept, account_invitation_send
from accounts.errors import AccountError, InvitationLinkError
from accounts.events import EventTag
from accounts.models import AccountInvitation, Email, SecurityEvent, User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.concurrency import at_once
from tests.mfa.factories import known_device, TOTPDeviceFactory, totp_code

pytestmark = pytest.mark.django_db

CLOSED = "does not accept new accounts from this page. To get an account, ask the site's staff for an invitation"
LINK_RE = r"http://[^\s]+/account/join/[^\s/]+/"
NEW = {"username": "newcomer", "name": "New Comer", "password1": "tea-party-at-four", "password2": "tea-party-at-four"}


@pytest.fixture
def staff(db):
    return UserFactory(username="moderator", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    device = TOTPDeviceFactory(user=staff)
    known_device(client, staff)  # a browser the account has used: no new-device link to wait for
    client.post("/account/login/", {"username": staff.username, "password": PASSWORD})
    client.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code(device)})
    return client


def _invite(staff, email="newcomer@example.com", capture=None):
    with capture(execute=True):
        account_invitation_send(staff=staff, email=email)
    (link,) = re.findall(LINK_RE, mail.outbox[-1].body)
    return link


def _token(link):
    return link.rstrip("/").rsplit("/", 1)[1]


# --- REGISTRATION_OPEN ------------------------------------------------------------------


def test_closed_registration_says_so_creates_nothing_and_is_not_linked(client, settings):
    settings.REGISTRATION_OPEN = False
    page = client.get("/account/register/")
    assert page.status_code == 403
    assert CLOSED in html.unescape(page.content.decode())
    data = {"email": "x@example.com", **NEW, "username": "sneaky"}
    response = client.post("/account/register/", data)
    assert response.status_code == 403 and CLOSED in html.unescape(response.content.decode())
    assert not User.objects.filter(username="sneaky").exists() and not Email.objects.exists()
    for url in ("/", "/account/login/"):
        assert "/account/register/" not in client.get(url).content.decode(), url


def test_open_registration_is_linked_as_before(client, settings):
    settings.REGISTRATION_OPEN = True
    assert "/account/register/" in client.get("/account/login/").content.decode()
    assert client.get("/account/register/").status_code == 200


# --- invitations ---------------------------------------------------------------------------


def test_staff_invite_from_the_users_admin(staff_client, staff, django_capture_on_commit_callbacks, settings):
    settings.REGISTRATION_OPEN = False
    listing = staff_client.get("/admin/accounts/user/").content.decode()
    assert "/admin/accounts/user/invite/" in listing and "Invite a person by email" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/admin/accounts/user/invite/", {"email": "newcomer@example.com"}, follow=True)
    assert "Invitation sent to newcomer@example.com; its link works once, for 7 days." in html.unescape(
        response.content.decode()
    )
    (message,) = mail.outbox
    assert message.to == ["newcomer@example.com"] and "invites you to create an account" in message.body
    (link,) = re.findall(LINK_RE, message.body)
    event = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_INVITATION_SENT)
    assert event.user == staff and event.details["email"] == "newcomer@example.com"
    # The link is never stored or recorded.
    assert _token(link) not in str(event.details)
    assert not any(_token(link) in str(value) for value in AccountInvitation.objects.values().get().values())


def test_inviting_an_address_in_use_is_refused(staff_client, staff, user):
    email = user.primary_email.email
    response = staff_client.post("/admin/accounts/user/invite/", {"email": email})
    assert response.status_code == 400
    assert f"An account already uses the email address {email}." in response.content.decode()
    assert not AccountInvitation.objects.exists()


def test_non_staff_cannot_invite(logged_in_client):
    response = logged_in_client.post("/admin/accounts/user/invite/", {"email": "x@example.com"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AccountInvitation.objects.exists()


@pytest.mark.parametrize("registration_open", [True, False])
def test_the_link_creates_a_verified_account_once(
    client, staff, django_capture_on_commit_callbacks, settings, registration_open
):
    settings.REGISTRATION_OPEN = registration_open
    link = _invite(staff, capture=django_capture_on_commit_callbacks)
    path = link.split("http://localhost:8000", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200 and "newcomer@example.com" in page.content.decode()
    assert 'name="email"' not in page.content.decode()  # the address is the invitation's
    response = client.post(path, NEW, follow=True)
    assert "Welcome, newcomer. Your account is ready and newcomer@example.com is verified." in html.unescape(
        response.content.decode()
    )
    user = User.objects.get(username="newcomer")
    email = user.primary_email
    assert (email.email, email.verified) == ("newcomer@example.com", True)
    assert user.check_password(NEW["password1"])
    event = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_CREATE_INVITED)
    assert event.user == user and event.details["invited_by"] == "moderator"
    assert "tea-party" not in str(list(SecurityEvent.objects.values_list("details", flat=True)))

    # Once: a second use (another browser) is refused and creates nothing.
    other = Client()
    again = other.post(path, {**NEW, "username": "second"})
    assert again.status_code == 400
    assert "This invitation has already been used to create an account. Log in instead." in html.unescape(
        again.content.decode()
    )
    assert not User.objects.filter(username="second").exists()


def test_an_expired_or_tampered_link_is_refused(client, staff, django_capture_on_commit_callbacks):
    link = _invite(staff, capture=django_capture_on_commit_callbacks)
    path = link.split("http://localhost:8000", 1)[-1]
    tampered = client.get(path[:-3] + "xx/")
    assert tampered.status_code == 400
    assert "This invitation link is invalid. Ask the site's staff for a new one." in html.unescape(
        tampered.content.decode()
    )
    AccountInvitation.objects.update(expires=timezone.now() - timedelta(seconds=1))
    expired = client.post(path, NEW)
    assert expired.status_code == 400
    assert "This invitation has expired. Ask the site's staff for a new one." in html.unescape(
        expired.content.decode()
    )
    assert not User.objects.filter(username="newcomer").exists()


def test_bad_input_on_the_link_page_is_refused_clearly(client, staff, django_capture_on_commit_callbacks):
    UserFactory(username="taken")
    link = _invite(staff, capture=django_capture_on_commit_callbacks)
    path = link.split("http://localhost:8000", 1)[-1]
    response = client.post(path, {**NEW, "username": "taken"})
    assert response.status_code == 400
    assert "The name taken is already taken by an account. Choose another one." in response.content.decode()
    response = client.post(path, {**NEW, "password2": "something-else-entirely"})
    assert response.status_code == 400 and "The two passwords do not match." in response.content.decode()
    # Nothing was used up: the link still works.
    assert client.post(path, NEW).status_code == 302


def test_an_address_registered_meanwhile_is_refused(staff, django_capture_on_commit_callbacks):
    link = _invite(staff, capture=django_capture_on_commit_callbacks)
    UserFactory(email="NewComer@example.com")  # registered on their own, in another letter case
    with pytest.raises(AccountError, match="An account already uses the email address newcomer@example.com"):
        account_invitation_accept(token=_token(link), username="newcomer", name="", password=NEW["password1"])
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_make_one_account(staff):
    account_invitation_send(staff=staff, email="newcomer@example.com")
    (link,) = re.findall(LINK_RE, mail.outbox[-1].body)
    token = _token(link)
    results = at_once(
        *[
            (lambda n=n: account_invitation_accept(token=token, username=f"racer{n}", name="", password=NEW["password1"]))
            for n in range(6)
        ]
    )
    made = [r for r in results if isinstance(r, User)]
    assert len(made) == 1, results
    assert all(isinstance(r, (User, InvitationLinkError, AccountError)) for r in results), results
    assert User.objects.filter(username__startswith="racer").count() == 1
    assert SecurityEvent.objects.filter(tag=EventTag.ACCOUNT_CREATE_INVITED).count() == 1
