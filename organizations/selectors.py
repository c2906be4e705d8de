"""Reads about organisations that views and other apps (packages, tokens) may call."""

from django.utils import timezone
from django.utils.translation import gettext

from .models import Organization, OrganizationInvitation, OrganizationRole, Team, TeamMember

Role = OrganizationRole.Role
# Who may do what inside an organisation (its projects' roles are packages' business).
MANAGERS = (Role.OWNER, Role.MANAGER)


def organization_get(*, name):
    """The organisation called `name` (any letter case), or None."""
    return Organization.objects.filter(name__iexact=(name or "").strip()).first()


def organization_get_public(*, name):
    """The approved organisation called `name`, or None."""
    return Organization.objects.filter(name__iexact=(name or "").strip(), status=Organization.Status.ACTIVE).first()


def user_organization_role(*, user, organization):
    """The user's role name in the organisation ("Owner", "Manager", "Member") or None. `organization` may be an id."""
    if user is None or not user.is_authenticated or organization is None:
        return None
    organization_id = getattr(organization, "pk", organization)
    return (
        OrganizationRole.objects.filter(organization_id=organization_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


def user_can_manage_teams_and_projects(*, user, organization):
    return user_organization_role(user=user, organization=organization) in MANAGERS


def user_organizations(*, user):
    """The user's roles in organisations, with the organisation, by name."""
    return OrganizationRole.objects.filter(user=user).select_related("organization").order_by("organization__name")


def user_owned_organizations(*, user):
    """Active organisations in which `user` is an Owner, by name."""
    return Organization.objects.filter(
        roles__user=user, roles__role=Role.OWNER, status=Organization.Status.ACTIVE
    ).order_by("name")


def organization_roles(*, organization):
    """Members with their users, Owners first, then Managers, then by username."""
    order = {Role.OWNER: 0, Role.MANAGER: 1, Role.MEMBER: 2}
    roles = OrganizationRole.objects.filter(organization=organization).select_related("user")
    return sorted(roles, key=lambda r: (order.get(r.role, 3), r.user.username.lower()))


def organization_public_members(*, organization):
    """Active members who chose to appear on the public page, by username."""
    return [
        r.user
        for r in OrganizationRole.objects.filter(organization=organization, is_public=True, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    ]


def organization_people_to_notify(*, organization):
    """Active Owners and Managers: they hear of every change to the organisation."""
    roles = OrganizationRole.objects.filter(
        organization=organization, role__in=MANAGERS, user__is_active=True
    ).select_related("user")
    return [r.user for r in roles]


def organization_pending_invitations(*, organization):
    return (
        OrganizationInvitation.objects.filter(
            organization=organization, status=OrganizationInvitation.Status.PENDING, expires__gt=timezone.now()
        )
        .select_related("invitee", "inviter")
        .order_by("created", "id")
    )


def user_pending_organization_invitations(*, user):
    return (
        OrganizationInvitation.objects.filter(
            invitee=user, status=OrganizationInvitation.Status.PENDING, expires__gt=timezone.now()
        )
        .select_related("organization", "inviter")
        .order_by("-created", "-id")
    )


def organization_teams(*, organization):
    """The teams with their members (and users) loaded, by name."""
    return Team.objects.filter(organization=organization).prefetch_related("members__member__user").order_by("name")


def team_get(*, organization, name):
    return Team.objects.filter(organization=organization, name__iexact=(name or "").strip()).first()


def user_team_ids(*, user, organization):
    """Ids of the organisation's teams `user` is in."""
    if user is None or not user.is_authenticated:
        return []
    organization_id = getattr(organization, "pk", organization)
    return list(
        TeamMember.objects.filter(member__user=user, member__organization_id=organization_id).values_list(
            "team_id", flat=True
        )
    )


def organization_requires_security_key(organization):
    """Whether the organisation's policy asks members for a WebAuthn security key. `organization` may be an id."""
    if organization is None:
        return False
    if isinstance(organization, Organization):
        return organization.require_security_key
    return Organization.objects.filter(pk=organization, require_security_key=True).exists()


def security_key_policy_message(organization_name):
    """Why a member without a security key is refused: the one spelling of the policy's message."""
    return gettext(
        "The organisation %(organization_name)s requires its members to use a security key. Add a security key (WebAuthn) to your account under two-factor authentication to manage its projects again."
    ) % {"organization_name": organization_name}
