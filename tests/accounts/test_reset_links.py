"""An outstanding password-reset link dies when the primary address or the password changes.

On the old code the link survived a change of primary address: a thief who had
made their own address primary could still use a link the owner had asked for
(and the owner's link, sent before, went on working for whoever read the old mailbox).
"""

import re

import pytest
from django.test import Client

from tests.accounts.factories import PASSWORD, EmailFactory

pytestmark = pytest.mark.django_db

INVALID = "This password reset link is invalid or has expired, or it was already used."


def _reset_link(user, mailoutbox):
    Client().post("/account/reset-password/", {"login": user.username})
    return re.search(r"http://localhost:8000(/account/reset-password/\S+/)", mailoutbox[-1].body).group(1)


def _opens(link):
    return INVALID not in Client().get(link, follow=True).content.decode()


def test_a_reset_link_works_while_nothing_changed(user, mailoutbox):
    assert _opens(_reset_link(user, mailoutbox))


def test_a_reset_link_dies_when_the_primary_address_changes(logged_in_client, user, mailoutbox):
    link = _reset_link(user, mailoutbox)
    other = EmailFactory(user=user, email="new-home@example.com", verified=True)
    assert logged_in_client.post(f"/manage/account/email/{other.pk}/primary/").status_code == 302
    assert user.emails.get(primary=True) == other
    response = Client().get(link, follow=True)
    assert INVALID in response.content.decode()
    assert 'name="new_password1"' not in response.content.decode()


def test_a_reset_link_dies_when_the_password_changes(logged_in_client, user, mailoutbox):
    link = _reset_link(user, mailoutbox)
    response = logged_in_client.post(
        "/manage/account/password/",
        {"old_password": PASSWORD, "new_password1": "fresh-password-123", "new_password2": "fresh-password-123"},
    )
    assert response.status_code == 302
    assert not _opens(link)
