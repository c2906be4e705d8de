"""An Owner may choose to track the upstream project of the same name (devpi's mirror_whitelist): both sets of
files are then served, ours first. The choice is recorded and shown on the project page."""

from django.db import transaction

from accounts.events import record_event

from ..collaboration.selectors import require_owner
from ..events import EventTag
from ..index import fastpath
from ..models import Project


def project_tracking_set(*, request=None, actor, project, track):
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        require_owner(user=actor, project=project)
        if project.track_upstream == track:
            return project
        project.track_upstream = track
        project.save(update_fields=["track_upstream"])
        record_event(
            tag=EventTag.PROJECT_UPSTREAM_TRACK,
            request=request,
            user=actor,
            project_name=project.normalized_name,
            details={"track": track},
        )
        fastpath.project_changed(name=project.normalized_name)
    return project
