"""Writes about who works on a project: roles."""

from django.db import transaction

from accounts.events import EventTag, record_event

from ..models import ProjectRole


def role_add(*, request=None, project, user, role, actor=None):
    """Give `user` a role on `project`."""
    with transaction.atomic():
        project_role = ProjectRole.objects.create(project=project, user=user, role=role)
        record_event(
            tag=EventTag.PROJECT_ROLE_ADD,
            request=request,
            user=actor or user,
            project_name=project.normalized_name,
            details={"target_user": user.username, "role_name": role},
        )
    return project_role
