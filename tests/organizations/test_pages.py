"""The organisation's public page and the projects a member reaches through it."""

import pytest

from organizations.models import OrganizationRole
from packages.models import TeamProjectRole
from tests.accounts.factories import UserFactory
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.factories import ProjectFactory


@pytest.fixture
def org(db):
    owner = UserFactory(username="olivia")
    org = make_organization(owner, name="acme", display_name="Acme Research")
    ProjectFactory(name="rocket", organization=org)
    return org


def test_public_page_lists_projects_and_only_members_who_chose_to_be_shown(client, org):
    shown, hidden = UserFactory(username="shown"), UserFactory(username="unlisted")
    add_member(org, hidden)
    OrganizationRole.objects.create(organization=org, user=shown, role="Member", is_public=True)
    response = client.get("/org/ACME/")
    assert response.status_code == 302 and response["Location"] == "/org/acme/"
    text = client.get("/org/acme/").content.decode()
    assert "Acme Research" in text and "rocket" in text and "shown" in text and "unlisted" not in text


def test_an_organisation_waiting_for_approval_has_no_public_page(client, db, settings):
    settings.ORGANIZATIONS_REQUIRE_APPROVAL = True
    make_organization(UserFactory(), name="waiting")
    assert client.get("/org/waiting/").status_code == 404


def test_projects_page_lists_what_a_team_gives(two_factor_client, two_factor_user, org):
    add_member(org, two_factor_user)
    team = make_team(org, org.created_by, name="core", members=[two_factor_user])
    TeamProjectRole.objects.create(team=team, project=org.projects.get(), role="Maintainer")
    text = two_factor_client.get("/manage/projects/").content.decode()
    assert "Through your organisations" in text and "rocket" in text and "Maintainer" in text
