"""Organisation services against the database: members, invitations, teams, and the rules that count them."""

import pytest
from django.core import mail

from accounts.models import SecurityEvent
from organizations import services
from organizations.errors import InvalidAction, InvitationLinkError, NotAllowed
from organizations.models import Organization, OrganizationInvitation, OrganizationRole, TeamMember
from tests.accounts.factories import UserFactory
from tests.organizations.factories import add_member, make_organization, make_team


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia")


@pytest.fixture
def org(owner):
    return make_organization(owner, name="Acme")


def tags(org):
    return list(SecurityEvent.objects.filter(organization_name=org.name).order_by("id").values_list("tag", flat=True))


def test_create_makes_the_creator_owner_and_records_it(owner, org):
    assert OrganizationRole.objects.get(organization=org, user=owner).role == "Owner"
    assert org.status == Organization.Status.ACTIVE
    assert tags(org) == ["organization:create", "organization:role:add"]


@pytest.mark.parametrize("name", ["acme", "ACME", "-bad", "has space", "olivia"])
def test_create_refuses_taken_or_invalid_names(owner, org, name):
    with pytest.raises(InvalidAction):
        services.organization_create(user=owner, name=name, display_name="x")
    assert Organization.objects.count() == 1


def test_approval_queue_when_the_site_requires_it(owner, settings):
    settings.ORGANIZATIONS_REQUIRE_APPROVAL = True
    org = make_organization(owner, name="waiting")
    assert org.status == Organization.Status.PENDING
    with pytest.raises(InvalidAction, match="waiting for approval"):
        services.invitation_create(actor=owner, organization=org, invitee=UserFactory(), role="Member")
    staff = UserFactory(is_staff=True)
    services.organization_review(staff_user=staff, organization=org, approve=True)
    org.refresh_from_db()
    assert org.is_active and "organization:approve" in tags(org)


def test_invitation_accepted_once_by_mail_link(owner, org):
    invitee = UserFactory(username="ivan")
    mail.outbox.clear()
    invitation = services.invitation_create(actor=owner, organization=org, invitee=invitee, role="Manager")
    assert tags(org)[-1] == "organization:role:invite"
    link = services.invitation_link(invitation)
    token = link.split("token=")[1]
    with pytest.raises(InvitationLinkError, match="another account"):
        services.invitation_from_link(token=token, user=owner)
    found = services.invitation_from_link(token=token, user=invitee)
    services.invitation_accept(user=invitee, invitation=found)
    assert OrganizationRole.objects.get(organization=org, user=invitee).role == "Manager"
    with pytest.raises(InvitationLinkError, match="already accepted"):
        services.invitation_from_link(token=token, user=invitee)
    assert tags(org)[-2:] == ["organization:role:invite:accept", "organization:role:add"]


def test_only_owners_invite_and_the_link_of_a_revoked_invitation_fails(owner, org):
    manager = UserFactory()
    add_member(org, manager, role="Manager")
    invitee = UserFactory()
    with pytest.raises(NotAllowed, match="Only an Owner of Acme can invite people"):
        services.invitation_create(actor=manager, organization=org, invitee=invitee, role="Member")
    invitation = services.invitation_create(actor=owner, organization=org, invitee=invitee, role="Member")
    with pytest.raises(InvalidAction, match="already has a pending invitation"):
        services.invitation_create(actor=owner, organization=org, invitee=invitee, role="Member")
    services.invitation_revoke(actor=owner, invitation=invitation)
    token = services.invitation_link(invitation).split("token=")[1]
    with pytest.raises(InvitationLinkError, match="revoked"):
        services.invitation_from_link(token=token, user=invitee)
    assert OrganizationInvitation.objects.get().status == "revoked"


def test_last_owner_can_neither_leave_nor_be_demoted(owner, org):
    with pytest.raises(InvalidAction, match="last Owner of Acme"):
        services.role_remove(actor=owner, organization=org, user=owner)
    with pytest.raises(InvalidAction, match="last Owner of Acme"):
        services.role_change(actor=owner, organization=org, user=owner, role="Member")
    second = UserFactory()
    add_member(org, second, role="Owner")
    services.role_change(actor=second, organization=org, user=owner, role="Member")
    assert OrganizationRole.objects.get(user=owner).role == "Member"


def test_leaving_removes_from_every_team(owner, org):
    member = UserFactory()
    add_member(org, member)
    team = make_team(org, owner, name="core", members=[member])
    services.role_remove(actor=member, organization=org, user=member)
    assert not TeamMember.objects.filter(team=team).exists()
    event = SecurityEvent.objects.filter(tag="organization:role:remove").get()
    assert event.target_user == member and event.user == member


def test_teams_create_rename_delete_and_members(owner, org):
    manager, member, stranger = UserFactory(), UserFactory(), UserFactory()
    add_member(org, manager, role="Manager")
    add_member(org, member)
    team = services.team_create(actor=manager, organization=org, name="Core devs")
    with pytest.raises(InvalidAction, match="already has a team"):
        services.team_create(actor=owner, organization=org, name="core DEVS")
    with pytest.raises(NotAllowed, match="Only an Owner or a Manager of Acme can create teams"):
        services.team_create(actor=member, organization=org, name="mine")
    services.team_member_add(actor=manager, team=team, user=member)
    with pytest.raises(InvalidAction, match="not a member of Acme"):
        services.team_member_add(actor=manager, team=team, user=stranger)
    services.team_rename(actor=owner, team=team, name="Maintainers")
    services.team_member_remove(actor=owner, team=team, user=member)
    services.team_delete(actor=manager, team=team)
    assert tags(org)[-5:] == [
        "organization:team:create",
        "organization:team:member:add",
        "organization:team:rename",
        "organization:team:member:remove",
        "organization:team:delete",
    ]


def test_policy_change_is_recorded_and_mailed_to_members(owner, org):
    member = UserFactory()
    add_member(org, member)
    mail.outbox.clear()
    with pytest.raises(NotAllowed):
        services.organization_policy_set(actor=member, organization=org, require_security_key=True)
    services.organization_policy_set(actor=owner, organization=org, require_security_key=True)
    org.refresh_from_db()
    assert org.require_security_key
    assert tags(org)[-1] == "organization:policy:change"
