"""An organisation in a real browser and real twine: create, invite, team, upload, organisation token, leave.

And the security-key policy: a member with only an authenticator app is refused management of an
organisation project with the policy's message, then adds a security key (DevTools' virtual
authenticator) and manages it again.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import SecurityEvent
from organizations.models import Organization, OrganizationRole
from packages.models import File, Project, ProjectRole, TeamProjectRole
from tests.accounts.factories import UserFactory
from tests.mfa.factories import TOTPDeviceFactory
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.factories import ProjectFactory

from . import clients
from .conftest import make_token
from .test_collaboration_browser import sign_in
from .test_mfa_browser import add_virtual_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_organisation_team_and_token_outlive_a_member(server, dists, env, uploader, browser, tmp_path):
    owner = uploader
    assert clients.twine_upload(server, dists.alpha_1, password=make_token(owner, "e2e-alpha"), env=env).returncode == 0
    member = UserFactory(username="member")
    member.totp_device = TOTPDeviceFactory(user=member)

    # The Owner creates the organisation and moves the project in.
    owner_page = browser.new_context().new_page()
    sign_in(owner_page, server, owner)
    owner_page.goto(f"{server}/manage/organizations/")
    owner_page.get_by_label("Organisation name").fill("acme")
    owner_page.get_by_label("Display name").fill("Acme Research")
    owner_page.get_by_role("button", name="Create organisation").click()
    expect(owner_page.get_by_text("Organisation acme created. You are its Owner.")).to_be_visible()
    owner_page.get_by_role("link", name="Projects", exact=True).click()
    owner_page.get_by_label("Project", exact=True).select_option(label="e2e-alpha")
    owner_page.get_by_label("Type the project's name to confirm").fill("e2e-alpha")
    owner_page.get_by_role("button", name="Move into acme").click()
    expect(owner_page.get_by_text("e2e-alpha now belongs to acme.")).to_be_visible()

    # The Owner invites the member, who accepts through the mailed link.
    owner_page.get_by_role("link", name="People").click()
    owner_page.get_by_label("Username or primary email address").fill("member")
    owner_page.get_by_label("Their role").select_option("Member")
    owner_page.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_text("Invitation sent to member as Member")).to_be_visible()
    invitation_mail = next(m for m in mail.outbox if m.to == ["member@example.com"])
    link = re.search(r"http://\S+/manage/organizations/invitation/\?token=\S+", invitation_mail.body).group(0)
    member_page = browser.new_context().new_page()
    sign_in(member_page, server, member)
    member_page.goto(link)
    expect(member_page.get_by_role("heading", name="Invitation to Acme Research")).to_be_visible()
    member_page.get_by_role("button", name="Accept").click()
    expect(member_page.get_by_text("You are now Member of acme.")).to_be_visible()

    # A team with the member, Maintainer of the project.
    owner_page.get_by_role("link", name="Teams").click()
    owner_page.get_by_label("Team name").fill("core")
    owner_page.get_by_role("button", name="Create team").click()
    owner_page.get_by_role("link", name="core").click()
    owner_page.get_by_label("Member's username").fill("member")
    owner_page.get_by_role("button", name="Add to team").click()
    expect(owner_page.get_by_text("member added to core.")).to_be_visible()
    owner_page.get_by_role("link", name="Projects", exact=True).click()
    owner_page.get_by_label("Team for e2e-alpha").select_option(label="core")
    owner_page.get_by_label("Role of the team on e2e-alpha").select_option("Maintainer")
    owner_page.get_by_role("button", name="Give the role").click()
    expect(owner_page.get_by_text("The team core is now Maintainer of e2e-alpha.")).to_be_visible()
    assert TeamProjectRole.objects.filter(team__name="core", project__normalized_name="e2e-alpha").exists()

    # The member's own token may name the project through the team, and uploads with twine.
    member_page.goto(f"{server}/manage/account/token/")
    member_page.get_by_label("Token name").fill("release job")
    member_page.get_by_label("Only the projects chosen below").check()
    member_page.get_by_label("e2e-alpha").check()
    member_page.get_by_role("button", name="Create token").click()
    member_token = member_page.locator("#token-value").inner_text().strip()
    result = clients.twine_upload(server, dists.alpha_2, password=member_token, env=env)
    assert result.returncode == 0, result
    assert set(File.objects.filter(release__version="2.0").values_list("uploaded_by__username", flat=True)) == {"member"}

    # The Owner creates an organisation token for all its projects.
    owner_page.goto(f"{server}/manage/organization/acme/tokens/")
    owner_page.get_by_label("Token name").fill("ci")
    owner_page.get_by_label("All projects of the organisation, present and future").check()
    owner_page.get_by_role("button", name="Create token").click()
    org_token = owner_page.locator("#token-value").inner_text().strip()

    # The member leaves; the organisation token still uploads, the member's own token is refused.
    member_page.goto(f"{server}/manage/organization/acme/people/")
    member_page.get_by_role("button", name="Leave acme").click()
    expect(member_page.get_by_text("You left acme.")).to_be_visible()
    assert not OrganizationRole.objects.filter(user=member).exists()
    source = clients.write_project(tmp_path / "alpha-3", "e2e-alpha", "3.0")
    alpha_3 = clients.build(source, tmp_path / "dist-3", env=env)
    result = clients.twine_upload(server, alpha_3, password=org_token, env=env)
    assert result.returncode == 0, result
    assert File.objects.filter(release__version="3.0").count() == 2
    files_before = File.objects.count()
    result = clients.twine_upload(server, [dists.alpha_1_other_bytes], password=member_token, env=env)
    assert result.returncode != 0, result
    assert "The user 'member' isn't allowed to upload to project 'e2e-alpha'." in result.text, result
    assert File.objects.count() == files_before
    # A new project made by the organisation token belongs to the organisation.
    assert clients.twine_upload(server, dists.beta_1, password=org_token, env=env).returncode == 0
    assert Project.objects.get(normalized_name="e2e-beta").organization.name == "acme"
    assert not ProjectRole.objects.filter(project__normalized_name="e2e-beta").exists()

    # The organisation's history shows every step, the token's uses included.
    owner_page.goto(f"{server}/manage/organization/acme/history/")
    expect(owner_page.get_by_role("heading", name="Security history of Acme Research")).to_be_visible()
    expect(owner_page.get_by_text("Organisation API token used").first).to_be_visible()  # described in words
    tags = set(SecurityEvent.objects.filter(organization_name="acme").values_list("tag", flat=True))
    assert {
        "organization:create",
        "organization:project:add",
        "organization:role:invite",
        "organization:role:invite:accept",
        "organization:team:create",
        "organization:team:member:add",
        "organization:team:role:project",
        "organization:api_token:added",
        "organization:role:remove",
        "organization:api_token:used",
    } <= tags
    # The public page lists both projects.
    owner_page.goto(f"{server}/org/acme/")
    expect(owner_page.get_by_role("link", name="e2e-alpha")).to_be_visible()
    expect(owner_page.get_by_role("link", name="e2e-beta")).to_be_visible()


def test_security_key_policy_refuses_a_totp_only_member_until_they_add_a_key(site_url, page):
    owner = UserFactory(username="owner")
    member = UserFactory(username="keyless")
    member.totp_device = TOTPDeviceFactory(user=member)
    org = make_organization(owner, name="acme")
    add_member(org, member)
    project = ProjectFactory(name="rocket", organization=org)
    TeamProjectRole.objects.create(team=make_team(org, owner, name="core", members=[member]), project=project, role="Owner")
    Organization.objects.filter(pk=org.pk).update(require_security_key=True)

    sign_in(page, site_url, member)
    response = page.goto(f"{site_url}/manage/project/rocket/collaboration/")
    assert response.status == 403
    expect(page.get_by_text("The organisation acme requires its members to use a security key.")).to_be_visible()

    add_virtual_authenticator(page)
    page.goto(f"{site_url}/manage/account/webauthn-provision/")
    page.get_by_label("Label for the new security key").fill("Blue key")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Register security key").click()
    expect(page.get_by_text("Security key “Blue key” added.")).to_be_visible()

    response = page.goto(f"{site_url}/manage/project/rocket/collaboration/")
    assert response.status == 200
    expect(page.get_by_role("heading", name="Collaborators of rocket")).to_be_visible()
