"""An organisation's rules hold when requests arrive at the same moment (PostgreSQL row locks)."""

import pytest
from django.conf import settings

from organizations import services
from organizations.errors import OrganizationError
from organizations.models import OrganizationInvitation, OrganizationRole, Team
from tests.accounts.factories import UserFactory
from tests.organizations.factories import add_member, make_organization
from tests.packages.test_collaboration_concurrency import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="row locks need PostgreSQL; CI runs this file on its PostgreSQL pass",
    ),
]


def test_two_owners_leaving_at_once_leave_one_owner():
    for _ in range(5):
        a, b = UserFactory(), UserFactory()
        org = make_organization(a)
        add_member(org, b, role="Owner")
        results = at_once(
            lambda: services.role_remove(actor=a, organization=org, user=a),
            lambda: services.role_remove(actor=b, organization=org, user=b),
        )
        assert sum(isinstance(r, OrganizationError) for r in results) == 1, results
        assert OrganizationRole.objects.filter(organization=org, role="Owner").count() == 1


def test_an_invitation_link_works_once_and_two_invitations_cannot_both_be_pending():
    owner, invitee = UserFactory(), UserFactory()
    org = make_organization(owner)
    results = at_once(
        *[lambda: services.invitation_create(actor=owner, organization=org, invitee=invitee, role="Member")] * 3
    )
    assert sum(isinstance(r, OrganizationInvitation) for r in results) == 1, results
    invitation = OrganizationInvitation.objects.get(organization=org)
    results = at_once(*[lambda: services.invitation_accept(user=invitee, invitation=invitation)] * 3)
    assert sum(isinstance(r, OrganizationInvitation) for r in results) == 1, results
    assert OrganizationRole.objects.filter(organization=org, user=invitee).count() == 1


def test_two_teams_with_one_name_at_once():
    owner = UserFactory()
    org = make_organization(owner)
    results = at_once(*[lambda: services.team_create(actor=owner, organization=org, name="Core")] * 3)
    assert sum(isinstance(r, Team) for r in results) == 1, results


def test_two_projects_of_one_name_or_look_alike_names_created_at_once_make_one():
    from packages.errors import PackagesError
    from packages.models import Project
    from packages.organization_projects.services import organization_project_create

    owner, manager = UserFactory(), UserFactory()
    org = make_organization(owner)
    add_member(org, manager, role="Manager")
    for names in (("spaceship", "Spaceship"), ("rocket", "rocket"), ("comet", "c0met")):
        results = at_once(
            *[lambda name=name, actor=actor: organization_project_create(actor=actor, organization=org, name=name)
              for name, actor in zip(names, (owner, manager))]
        )
        created = [r for r in results if isinstance(r, Project)]
        refused = [r for r in results if isinstance(r, PackagesError)]
        assert len(created) == 1 and len(refused) == 1, results
        assert "already taken by the project" in refused[0].message or "too similar" in refused[0].message, refused
    assert Project.objects.filter(organization=org).count() == 3


def test_renaming_to_a_name_while_someone_creates_an_organisation_of_that_name_lets_one_win():
    from organizations.models import Organization

    for round_ in range(3):
        owner, founder = UserFactory(), UserFactory()
        org = make_organization(owner)
        wanted = f"wanted{round_}"
        results = at_once(
            lambda: services.organization_rename(actor=owner, organization=org, name=wanted),
            lambda: services.organization_create(user=founder, name=wanted.upper(), display_name="Rival"),
        )
        refused = [r for r in results if isinstance(r, OrganizationError)]
        assert len(refused) == 1 and "already taken by an organisation" in refused[0].message, results
        assert Organization.objects.filter(name__iexact=wanted).count() == 1


def test_deleting_an_organisation_while_a_project_is_created_in_it_never_does_both():
    from packages.errors import PackagesError
    from packages.models import Project
    from packages.organization_projects.services import organization_project_create

    for round_ in range(3):
        owner = UserFactory()
        org = make_organization(owner)
        results = at_once(
            lambda: services.organization_delete(actor=owner, organization=org, confirm=org.name),
            lambda: organization_project_create(actor=owner, organization=org, name=f"late-project-{round_}"),
        )
        assert all(r is None or isinstance(r, (Project, OrganizationError, PackagesError)) for r in results), results
        deleted = results[0] is None
        created = isinstance(results[1], Project)
        assert deleted != created, results
        assert Project.objects.filter(name=f"late-project-{round_}").exists() == created
