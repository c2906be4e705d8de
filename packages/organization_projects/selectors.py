"""Reads about organisations' projects, for their pages."""

from django.db.models import Prefetch

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
