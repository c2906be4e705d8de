import pytest

from accounts.events import EventTag, record_event
from accounts.models import Email, SecurityEvent
from tests.accounts.factories import EmailFactory, UserFactory
from tokens.events import EventTag as TokenEventTag

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_add_a_second_address_sends_its_verification(logged_in_client, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in_client.post("/manage/account/", {"add-email": "Second@Example.com"}, follow=True)
    assert "Email address Second@Example.com added. Check it for a verification link." in _messages(response)
    added = Email.objects.get(user=user, email="Second@Example.com")
    assert not added.primary and not added.verified
    assert mailoutbox[-1].to == ["Second@Example.com"]
    assert SecurityEvent.objects.filter(user=user, tag=EventTag.ACCOUNT_EMAIL_ADD).exists()


def test_an_address_in_use_cannot_be_added_in_any_case(logged_in_client, user):
    UserFactory(email="owned@example.com")
    response = logged_in_client.post("/manage/account/", {"add-email": "OWNED@example.com"})
    assert response.status_code == 400
    assert "This email address is already in use." in response.content.decode()
    assert Email.objects.filter(user=user).count() == 1


def test_primary_cannot_be_removed(logged_in_client, user):
    primary = user.primary_email
    response = logged_in_client.post(f"/manage/account/email/{primary.pk}/remove/", follow=True)
    assert "The primary email address cannot be removed. Make another address primary first." in _messages(response)
    assert Email.objects.filter(pk=primary.pk).exists()


def test_remove_a_secondary_address(logged_in_client, user):
    other = EmailFactory(user=user, email="spare@example.com")
    response = logged_in_client.post(f"/manage/account/email/{other.pk}/remove/", follow=True)
    assert "Email address spare@example.com removed." in _messages(response)
    assert not Email.objects.filter(pk=other.pk).exists()
    assert SecurityEvent.objects.get(user=user, tag=EventTag.ACCOUNT_EMAIL_REMOVE).details == {"email": "spare@example.com"}


def test_cannot_touch_another_users_address(logged_in_client):
    stranger = EmailFactory(email="stranger@example.com")
    response = logged_in_client.post(f"/manage/account/email/{stranger.pk}/remove/", follow=True)
    assert "That email address is not on your account." in _messages(response)
    assert Email.objects.filter(pk=stranger.pk).exists()


def test_only_a_verified_address_can_become_primary(logged_in_client, user):
    unverified = EmailFactory(user=user, email="new@example.com")
    response = logged_in_client.post(f"/manage/account/email/{unverified.pk}/primary/", follow=True)
    assert "Only a verified email address can become the primary one." in _messages(response)
    unverified.verified = True
    unverified.save()
    response = logged_in_client.post(f"/manage/account/email/{unverified.pk}/primary/", follow=True)
    assert "new@example.com is now your primary email address." in _messages(response)
    assert user.emails.get(primary=True) == unverified
    event = SecurityEvent.objects.get(user=user, tag=EventTag.ACCOUNT_EMAIL_PRIMARY_CHANGE)
    assert event.details == {"old": f"{user.username}@example.com", "new": "new@example.com"}


def test_resend_verification(logged_in_client, user, mailoutbox):
    other = EmailFactory(user=user, email="later@example.com")
    response = logged_in_client.post(f"/manage/account/email/{other.pk}/resend/", follow=True)
    assert "A new verification link was sent to later@example.com." in _messages(response)
    assert mailoutbox[-1].to == ["later@example.com"]
    assert "/account/verify-email/?token=" in mailoutbox[-1].body


def test_email_actions_need_post(logged_in_client, user):
    other = EmailFactory(user=user, email="spare@example.com")
    # A GET (where the re-authentication prompt returns) changes nothing and goes back to the account page.
    response = logged_in_client.get(f"/manage/account/email/{other.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/manage/account/"
    assert Email.objects.filter(pk=other.pk).exists()
    assert logged_in_client.get(f"/manage/account/email/{other.pk}/resend/").status_code == 405


def test_events_refuse_details_that_look_like_secrets(user):
    for key in ("password", "token", "totp_secret", "recovery_code"):
        with pytest.raises(ValueError):
            record_event(tag=EventTag.ACCOUNT_CREATE, user=user, details={key: "x"})
    assert not SecurityEvent.objects.exists()
    record_event(tag=TokenEventTag.ACCOUNT_API_TOKEN_ADDED, user=user, details={"token_id": "abc"})
    assert SecurityEvent.objects.count() == 1


def test_account_pages_need_login(client):
    response = client.get("/manage/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/manage/account/")


def test_every_mail_is_plain_text_with_a_simple_html_alternative(client, mailoutbox, django_capture_on_commit_callbacks):
    from accounts.mail import send_user_mail
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    send_user_mail(user=user, template="accounts/mail/password_changed")
    (message,) = mailoutbox
    assert "<" not in message.body.replace("<token>", "")
    (html, kind) = message.alternatives[0]
    assert kind == "text/html"
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    first_line = message.body.strip().splitlines()[0]
    assert first_line.replace("'", "&#x27;") in html
