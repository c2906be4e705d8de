"""A project's visibility: Owners make it private or public on its settings page (2FA, fresh authentication),
staff in the admin; each change is locked, recorded, mailed and makes every cached document out of date."""

import pytest
from django.core import mail

from accounts.models import SecurityEvent
from packages.errors import InvalidAction, NotAllowed
from packages.index import rendering
from packages.models import Project, ProjectRole, TeamProjectRole
from packages.visibility.services import project_visibility_set
from tests.accounts.factories import UserFactory
from tests.concurrency import at_once
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/manage/project/demo/settings/"


@pytest.fixture
def project(two_factor_user):
    project = ProjectFactory(name="Demo")
    ProjectRole.objects.create(project=project, user=two_factor_user, role="Owner")
    return project


def test_the_settings_page_explains_who_reads_a_private_project(two_factor_client, project):
    page = two_factor_client.get(URL).content.decode()
    assert "Demo is <strong>public</strong>." in page
    for reader in (
        "its collaborators (Owners and Maintainers);",
        "the members of the teams with a role on it;",
        "its organisation's members, if the organisation lets members read all its projects;",
        "the site's staff;",
        "read tokens scoped to it",
    ):
        assert reader in page
    assert 'name="visibility" value="public"' in page and 'name="visibility" value="private"' in page


def test_an_owner_makes_the_project_private_and_public_again(
    two_factor_client, two_factor_user, project, django_capture_on_commit_callbacks
):
    maintainer = UserFactory(username="maya")
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")
    generations = (rendering.generation("demo"), rendering.generation(rendering.INDEX))

    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(URL, {"action": "visibility", "visibility": "private"}, follow=True)

    assert response.status_code == 200
    assert "Demo is now private: only its people and tokens scoped to it can read it." in response.content.decode()
    assert Project.objects.get(pk=project.pk).private
    event = SecurityEvent.objects.get(tag="project:visibility:change")
    assert (event.project_name, event.user, event.details) == ("demo", two_factor_user, {"private": True})
    # Every cached document of the project and the root index is out of date.
    assert rendering.generation("demo") != generations[0]
    assert rendering.generation(rendering.INDEX) != generations[1]
    # Everyone with a role is told, by whom, and what it means.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [two_factor_user.primary_email.email, maintainer.primary_email.email]
    )
    assert "Demo is now private" in mail.outbox[0].subject
    assert f"{two_factor_user.username} made the project Demo private" in mail.outbox[0].body
    assert "/manage/project/demo/settings/" in mail.outbox[0].body
    # The history page shows it.
    assert "Project visibility changed" in two_factor_client.get("/manage/project/demo/history/").content.decode()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(URL, {"action": "visibility", "visibility": "public"}, follow=True)
    assert "Demo is now public: anyone can read and install it." in response.content.decode()
    assert not Project.objects.get(pk=project.pk).private
    assert SecurityEvent.objects.filter(tag="project:visibility:change").latest("id").details == {"private": False}
    assert "Demo is now public" in mail.outbox[0].subject


def test_asking_for_the_visibility_it_has_changes_nothing(two_factor_client, project):
    response = two_factor_client.post(URL, {"action": "visibility", "visibility": "public"}, follow=True)
    assert "Demo is already public." in response.content.decode()
    assert not SecurityEvent.objects.filter(tag="project:visibility:change").exists()


def test_a_bad_choice_is_refused_clearly(two_factor_client, project):
    response = two_factor_client.post(URL, {"action": "visibility", "visibility": "secret"})
    assert response.status_code == 400
    assert "Select a valid choice. secret is not one of the available choices." in response.content.decode()
    assert not Project.objects.get(pk=project.pk).private


def test_a_maintainer_may_not_change_it(two_factor_client, two_factor_user):
    project = ProjectFactory(name="Demo")
    ProjectRole.objects.create(project=project, user=two_factor_user, role="Maintainer")
    response = two_factor_client.post(URL, {"action": "visibility", "visibility": "private"})
    assert response.status_code == 403
    assert not Project.objects.get(pk=project.pk).private
    with pytest.raises(NotAllowed, match="Only an Owner of 'Demo' may do this."):
        project_visibility_set(actor=two_factor_user, project=project, private=True)


def test_a_stranger_finds_no_such_page(two_factor_client):
    ProjectFactory(name="Demo")
    assert two_factor_client.post(URL, {"action": "visibility", "visibility": "private"}).status_code == 404
    assert not Project.objects.get(name="Demo").private


def test_it_needs_a_fresh_authentication(two_factor_client, project, settings):
    settings.REAUTH_MAX_AGE = -1
    response = two_factor_client.post(URL, {"action": "visibility", "visibility": "private"})
    assert "password" in response.content.decode().lower()
    assert not Project.objects.get(pk=project.pk).private


def test_it_needs_two_factor_authentication(logged_in_client, user):
    project = ProjectFactory(name="Demo")
    ProjectRole.objects.create(project=project, user=user, role="Owner")
    response = logged_in_client.post(URL, {"action": "visibility", "visibility": "private"})
    assert response.status_code == 302 and "two-factor" in response["Location"]
    assert not Project.objects.get(pk=project.pk).private


def test_an_organisation_project_mails_its_owners_and_teams(django_capture_on_commit_callbacks):
    owner, member, bystander = UserFactory(), UserFactory(), UserFactory()
    org = make_organization(owner, name="acme")
    add_member(org, member)
    add_member(org, bystander)
    project = ProjectFactory(name="rocket", organization=org)
    team = make_team(org, owner, name="core", members=[member])
    TeamProjectRole.objects.create(team=team, project=project, role="Maintainer")
    with django_capture_on_commit_callbacks(execute=True):
        project_visibility_set(actor=owner, project=project, private=True)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.primary_email.email, member.primary_email.email])


def test_staff_change_it_in_the_admin_through_the_service(
    two_factor_client, two_factor_user, project, django_capture_on_commit_callbacks
):
    two_factor_user.is_staff = two_factor_user.is_superuser = True
    two_factor_user.save()
    listing = two_factor_client.get("/admin/packages/project/?private__exact=0").content.decode()
    assert "Demo" in listing
    page = two_factor_client.get(f"/admin/packages/project/{project.pk}/change/").content.decode()
    assert 'name="private"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(
            f"/admin/packages/project/{project.pk}/change/",
            {
                "private": "on",
                "upload_limit": "",
                "total_size_limit": "",
                **_empty_inlines(page),
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Project.objects.get(pk=project.pk).private
    event = SecurityEvent.objects.get(tag="project:visibility:change")
    assert event.details == {"private": True, "by_staff": True} and event.user == two_factor_user
    assert "The site's staff made the project Demo private" in mail.outbox[0].body
    assert "Demo" in two_factor_client.get("/admin/packages/project/?private__exact=1").content.decode()


def _empty_inlines(page):
    """The inline formsets' management fields as the change page renders them (no rows changed)."""
    import re

    fields = {}
    for name, value in re.findall(r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d*)"', page):
        fields[name] = value
    for name, value in re.findall(r'name="([^"]+-\d+-(?:id|project))" value="([^"]*)"', page):
        fields[name] = value
    return fields


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_owners_at_once_make_one_change():
    first, second = UserFactory(), UserFactory()
    project = ProjectFactory(name="Demo")
    for user in (first, second):
        ProjectRole.objects.create(project=project, user=user, role="Owner")
    results = at_once(
        lambda: project_visibility_set(actor=first, project=project, private=True),
        lambda: project_visibility_set(actor=second, project=project, private=True),
        times=4,
    )
    assert sum(isinstance(r, Project) for r in results) == 1
    assert all(isinstance(r, (Project, InvalidAction)) for r in results), results
    assert SecurityEvent.objects.filter(tag="project:visibility:change").count() == 1


def test_the_settings_page_says_what_the_organisation_lets_its_members_read(two_factor_client, two_factor_user):
    from organizations.services import organization_reading_set

    org = make_organization(two_factor_user, name="acme")
    ProjectFactory(name="Demo", organization=org)
    page = two_factor_client.get(URL).content.decode()
    assert "Its organisation, acme, does not let every member read all its projects" in page
    organization_reading_set(actor=two_factor_user, organization=org, members_read_all=True, private_by_default=False)
    page = two_factor_client.get(URL).content.decode()
    assert "Its organisation, acme, lets every member read all its projects." in page
