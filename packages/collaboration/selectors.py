"""Who may do what on a project: reads of project roles.

`user_project_role` is the one rule for a person's effective role; uploads,
management pages and services all ask it (directly or through the helpers
below). `management_refusal` is the one place an organisation's policy takes
management away; `require_not_quarantined` the one place staff's quarantine
freezes a project against everyone but staff.
"""

from django.utils import timezone
from django.utils.translation import gettext

from mfa.selectors import user_webauthn_credentials
from organizations import selectors as organizations
from organizations.models import OrganizationRole

from ..errors import NotAllowed
from ..models import Project, ProjectRole, TeamProjectRole
from ..models import RoleInvitation

_RANK = {ProjectRole.Role.MAINTAINER: 1, ProjectRole.Role.OWNER: 2}


def user_project_role(*, user, project):
    """The user's effective role on the project ("Owner", "Maintainer") or None.

    The highest of: their own role on the project; for a project owned by an
    organisation, the roles of the organisation's teams they are in, and Owner
    when they are an Owner of the organisation.
    """
    if user is None or not user.is_authenticated or project is None or project.pk is None:
        return None
    roles = list(ProjectRole.objects.filter(project=project, user=user).values_list("role", flat=True))
    if project.organization_id is not None:
        org_role = organizations.user_organization_role(user=user, organization=project.organization_id)
        if org_role == OrganizationRole.Role.OWNER:
            return ProjectRole.Role.OWNER
        if org_role is not None:
            roles += TeamProjectRole.objects.filter(
                project=project, team__organization_id=project.organization_id, team__members__member__user=user
            ).values_list("role", flat=True)
    return max(roles, key=_RANK.get, default=None)


def management_refusal(*, user, project):
    """Why `user` may not manage `project` whatever their role, or None.

    An organisation whose policy requires security keys takes management of
    its projects away from anyone without a WebAuthn credential.
    """
    if project is None or project.organization_id is None:
        return None
    organization = project.organization
    if organization.require_security_key and not user_webauthn_credentials(user).exists():
        return organizations.security_key_policy_message(organization.name)
    return None


def user_can_upload(*, user, project):
    return user_project_role(user=user, project=project) is not None


def token_can_upload(*, user, token, project):
    """Whether an upload authenticated by `token` (of `user`, or of an organisation) may add to `project`.

    An organisation's token uploads to its organisation's projects; a personal
    token to the projects its owner has an effective role on. The token's own
    scope is checked separately.
    """
    organization_id = getattr(token, "organization_id", None)
    if organization_id is not None:
        return project.organization_id == organization_id
    return user_can_upload(user=user, project=project)


def user_is_owner(*, user, project):
    return user_project_role(user=user, project=project) == ProjectRole.Role.OWNER


def quarantine_refusal(*, project):
    """Why nobody but staff may change `project` now, or None.

    A quarantined project is held by staff as it is while they look into it: its
    Owners can neither delete it nor change it (staff act through their own services).
    """
    if project is not None and project.status == Project.Status.QUARANTINED:
        return gettext(
            "Project '%(project)s' is quarantined by the site's staff: it cannot be changed or deleted "
            "until they release it."
        ) % {"project": project.name}
    return None


def require_not_quarantined(*, project):
    refusal = quarantine_refusal(project=project)
    if refusal:
        raise NotAllowed(refusal)


def require_owner(*, user, project):
    """Raise NotAllowed unless `user` is an Owner of `project` allowed to manage it, and it is not quarantined."""
    if not user_is_owner(user=user, project=project):
        raise NotAllowed(gettext("Only an Owner of '%(project)s' may do this.") % {"project": project.name})
    refusal = management_refusal(user=user, project=project)
    if refusal:
        raise NotAllowed(refusal)
    require_not_quarantined(project=project)


def project_roles(*, project):
    """The project's roles with their users, Owners first, then by username."""
    roles = ProjectRole.objects.filter(project=project).select_related("user")
    return sorted(roles, key=lambda r: (r.role != ProjectRole.Role.OWNER, r.user.username.lower()))


def project_pending_invitations(*, project):
    """Invitations of the project still waiting for an answer (expired ones excluded)."""
    return (
        RoleInvitation.objects.filter(project=project, status=RoleInvitation.Status.PENDING, expires__gt=timezone.now())
        .select_related("invitee", "inviter")
        .order_by("created", "id")
    )


def user_pending_invitations(*, user):
    """Invitations waiting for `user`'s answer, newest first."""
    return (
        RoleInvitation.objects.filter(invitee=user, status=RoleInvitation.Status.PENDING, expires__gt=timezone.now())
        .select_related("project", "inviter")
        .order_by("-created", "-id")
    )
