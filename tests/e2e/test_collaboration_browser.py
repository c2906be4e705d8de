"""A team in a real browser and real twine: invite, accept by the mailed link, upload, be removed, be refused."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import SecurityEvent
from packages.models import File, ProjectRole
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device_in_browser, totp_code

from . import clients
from .conftest import make_token

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, site_url, user):
    known_device_in_browser(page, site_url, user)  # a browser the account has used: no new-device link
    page.goto(f"{site_url}/account/login/")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code(user.totp_device))
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_owner_invites_member_who_uploads_until_removed(server, dists, env, uploader, browser, media_root):
    owner = uploader
    owner_token = make_token(owner, "e2e-alpha")
    assert clients.twine_upload(server, dists.alpha_1, password=owner_token, env=env).returncode == 0
    member = UserFactory(username="member")
    member.totp_device = TOTPDeviceFactory(user=member)

    # The Owner invites the member by username on the collaboration page.
    owner_context, member_context = browser.new_context(), browser.new_context()
    owner_page = owner_context.new_page()
    sign_in(owner_page, server, owner)
    owner_page.goto(f"{server}/manage/project/e2e-alpha/collaboration/")
    owner_page.get_by_label("Username or primary email address").fill("member")
    owner_page.get_by_label("Their role").select_option("Maintainer")
    owner_page.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_text("Invitation sent to member as Maintainer")).to_be_visible()

    # The member follows the link in the mail they received and accepts.
    invitation_mail = next(m for m in mail.outbox if m.to == ["member@example.com"])
    link = re.search(r"http://\S+/account/verify-project-role/\?token=\S+", invitation_mail.body).group(0)
    member_page = member_context.new_page()
    sign_in(member_page, server, member)
    member_page.goto(link)
    expect(member_page.get_by_role("heading", name="Invitation to e2e-alpha")).to_be_visible()
    member_page.get_by_role("button", name="Accept").click()
    expect(member_page.get_by_text("You now work on e2e-alpha as Maintainer")).to_be_visible()

    # The member makes a token for that project only, and publishes a new release with twine.
    member_page.goto(f"{server}/manage/account/token/")
    member_page.get_by_label("Token name").fill("release job")
    member_page.get_by_label("Only the projects chosen below").check()
    member_page.get_by_label("e2e-alpha").check()
    member_page.get_by_role("button", name="Create token").click()
    member_token = member_page.locator("#token-value").inner_text().strip()
    result = clients.twine_upload(server, dists.alpha_2, password=member_token, env=env)
    assert result.returncode == 0, result
    assert set(File.objects.filter(release__version="2.0").values_list("uploaded_by__username", flat=True)) == {
        "member"
    }

    # The Owner removes the member; the member's next upload is refused with PyPI's message.
    owner_page.goto(f"{server}/manage/project/e2e-alpha/collaboration/")
    owner_page.get_by_role("button", name="Remove member").click()
    expect(owner_page.get_by_text("member was removed from e2e-alpha")).to_be_visible()
    assert not ProjectRole.objects.filter(user=member).exists()
    owner_context.close()
    member_context.close()
    files_before = File.objects.count()
    result = clients.twine_upload(server, [dists.alpha_1_other_bytes], password=member_token, env=env)
    assert result.returncode != 0, result
    assert "HTTPError: 403" in result.text, result
    assert "The user 'member' isn't allowed to upload to project 'e2e-alpha'." in result.text, result
    assert File.objects.count() == files_before
    # Both people see it in their own security history.
    tags = set(SecurityEvent.objects.filter(target_user=member).values_list("tag", flat=True))
    assert {"project:role:invite", "project:role:invite:accept", "project:role:add", "project:role:remove"} <= tags
