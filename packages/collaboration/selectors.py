"""Who may do what on a project: reads of project roles."""

from django.utils import timezone

from ..errors import NotAllowed
from ..models import ProjectRole
from ..models import RoleInvitation


def user_project_role(*, user, project):
    """The user's role name on the project ("Owner", "Maintainer") or None."""
    if user is None or not user.is_authenticated or project is None or project.pk is None:
        return None
    return ProjectRole.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def user_can_upload(*, user, project):
    return user_project_role(user=user, project=project) is not None


def user_is_owner(*, user, project):
    return user_project_role(user=user, project=project) == ProjectRole.Role.OWNER


def require_owner(*, user, project):
    """Raise NotAllowed unless `user` is an Owner of `project`."""
    if not user_is_owner(user=user, project=project):
        raise NotAllowed(f"Only an Owner of {project.name!r} may do this.")


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
