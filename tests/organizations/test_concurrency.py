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
