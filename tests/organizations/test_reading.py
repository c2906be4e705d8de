"""An organisation's reading settings: "Members may read all our projects" and "New projects are private"."""

import re

import pytest
from django.core import mail

from accounts.models import SecurityEvent
from organizations.errors import NotAllowed
from organizations.models import Organization
from organizations.services import organization_reading_set
from packages.index import rendering
from packages.models import Project
from tests.organizations.factories import add_member, make_organization
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import ProjectFactory
from tests.tokens.factories import basic_auth_header
from tokens.organization import organization_token_create

pytestmark = pytest.mark.django_db

SETTINGS = "/manage/organization/acme/settings/"


@pytest.fixture
def org(two_factor_user):
    return make_organization(two_factor_user, name="acme")


def test_an_owner_sets_both_and_each_change_is_recorded_with_old_and_new(
    two_factor_client, two_factor_user, org, django_capture_on_commit_callbacks
):
    page = two_factor_client.get(SETTINGS).content.decode()
    assert "Members may read all our projects" in page and "New projects are private" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(
            SETTINGS, {"action": "reading", "members_read_all": "on", "private_by_default": "on"}, follow=True
        )
    assert "Who reads the organisation&#x27;s projects was saved." in response.content.decode()
    org.refresh_from_db()
    assert org.members_read_all and org.private_by_default
    event = SecurityEvent.objects.get(tag="organization:reading:change")
    assert event.user == two_factor_user and event.organization_name == "acme"
    assert event.details["members_read_all"] == {"old": False, "new": True}
    assert event.details["private_by_default"] == {"old": False, "new": True}
    body = mail.outbox[-1].body
    assert "Every member of acme may now read all its projects, private ones included." in body
    assert "New projects of acme now start private." in body
    # The form shows what is set now.
    page = two_factor_client.get(SETTINGS).content.decode()
    assert re.search(r'<input type="checkbox" name="members_read_all"[^>]*checked', page)

    # Turning one off records only that one.
    two_factor_client.post(SETTINGS, {"action": "reading", "private_by_default": "on"})
    latest = SecurityEvent.objects.filter(tag="organization:reading:change").latest("id")
    assert {k: v for k, v in latest.details.items() if k != "organization"} == {
        "members_read_all": {"old": True, "new": False}
    }
    # Saving without a change records nothing.
    two_factor_client.post(SETTINGS, {"action": "reading", "private_by_default": "on"})
    assert SecurityEvent.objects.filter(tag="organization:reading:change").count() == 2


def test_a_manager_may_not_change_them(org, user):
    add_member(org, user, role="Manager")
    with pytest.raises(NotAllowed, match="Only an Owner of acme can change who reads its projects"):
        organization_reading_set(actor=user, organization=org, members_read_all=True, private_by_default=True)
    org.refresh_from_db()
    assert not org.members_read_all and not org.private_by_default


def test_it_needs_a_fresh_authentication(two_factor_client, org, settings):
    settings.REAUTH_MAX_AGE = -1
    two_factor_client.post(SETTINGS, {"action": "reading", "members_read_all": "on"})
    assert not Organization.objects.get(pk=org.pk).members_read_all


def test_letting_members_read_all_makes_cached_private_projects_out_of_date(two_factor_user, org):
    ProjectFactory(name="secret", organization=org, private=True)
    ProjectFactory(name="open", organization=org)
    before = {name: rendering.generation(name) for name in ("secret", "open", rendering.INDEX)}
    organization_reading_set(actor=two_factor_user, organization=org, members_read_all=True, private_by_default=False)
    assert rendering.generation("secret") != before["secret"]
    assert rendering.generation(rendering.INDEX) != before[rendering.INDEX]
    assert rendering.generation("open") == before["open"]


def test_new_projects_start_private_from_the_organisations_page(two_factor_client, two_factor_user, org):
    organization_reading_set(actor=two_factor_user, organization=org, members_read_all=False, private_by_default=True)
    two_factor_client.post("/manage/organization/acme/projects/", {"action": "create-project", "name": "rocket"})
    project = Project.objects.get(name="rocket")
    assert project.private and project.organization == org
    assert SecurityEvent.objects.get(tag="project:create", project_name="rocket").details["private"] is True


def test_new_projects_start_private_on_a_first_upload_with_the_organisations_token(
    client, two_factor_user, org, media_root
):
    _, raw = organization_token_create(actor=two_factor_user, organization=org, name="ci", projects=["rocket"])
    # The setting is read when the project is created, not when the token was made.
    organization_reading_set(actor=two_factor_user, organization=org, members_read_all=False, private_by_default=True)
    dist = make_wheel("rocket", "1.0")
    response = client.post(
        "/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=basic_auth_header(raw)
    )
    assert response.status_code == 200, response.content
    assert Project.objects.get(name="rocket").private


def test_new_projects_start_public_when_the_setting_is_off(two_factor_client, org):
    two_factor_client.post("/manage/organization/acme/projects/", {"action": "create-project", "name": "rocket"})
    assert not Project.objects.get(name="rocket").private


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_owners_at_once_record_one_change():
    from tests.accounts.factories import UserFactory
    from tests.concurrency import at_once

    first, second = UserFactory(), UserFactory()
    org = make_organization(first, name="acme")
    add_member(org, second, role="Owner")
    results = at_once(
        lambda: organization_reading_set(actor=first, organization=org, members_read_all=True, private_by_default=False),
        lambda: organization_reading_set(actor=second, organization=org, members_read_all=True, private_by_default=False),
        times=4,
    )
    assert all(isinstance(r, Organization) for r in results), results
    assert SecurityEvent.objects.filter(tag="organization:reading:change").count() == 1
