"""Who may do what on a project: reads of project roles."""

from ..errors import NotAllowed
from ..models import ProjectRole


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
