"""Reads about organisations' projects, for their pages."""

from django.db.models import Prefetch, Q

from organizations.models import OrganizationRole

from ..collaboration.selectors import user_project_role
from ..models import Project, ProjectRole, TeamProjectRole
from ..selectors import VISIBLE


def organization_projects(*, organization, visible_only=False):
    """The organisation's projects with their teams' roles loaded, by name."""
    projects = Project.objects.filter(organization=organization)
    if visible_only:
        projects = projects.filter(VISIBLE)
    return projects.prefetch_related(
        Prefetch("team_roles", queryset=TeamProjectRole.objects.select_related("team").order_by("team__name"))
    ).order_by("normalized_name")


def projects_user_may_move_in(*, user):
    """Projects without an organisation that `user` owns in person: what they can move into an organisation."""
    return Project.objects.filter(
        organization__isnull=True, roles__user=user, roles__role=ProjectRole.Role.OWNER
    ).order_by("normalized_name")


def organization_projects_of(*, user, exclude=()):
    """(project, effective role) of the projects `user` works on through organisations only (teams, ownership)."""
    projects = (
        Project.objects.filter(
            Q(organization__roles__user=user, organization__roles__role=OrganizationRole.Role.OWNER)
            | Q(team_roles__team__members__member__user=user)
        )
        .exclude(pk__in=list(exclude))
        .select_related("organization")
        .distinct()
        .order_by("normalized_name")
    )
    return [(project, user_project_role(user=user, project=project)) for project in projects]
