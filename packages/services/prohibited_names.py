"""Staff prohibiting project names: stored normalized, each change recorded with the staff member."""

from django.db import transaction
from packaging.utils import canonicalize_name

from accounts.events import record_event

from ..events import EventTag
from ..models import ProhibitedProjectName


def prohibited_name_save(*, request=None, user, prohibition, changed):
    """Staff: prohibit a project name (stored normalized), or edit a prohibition; recorded with the staff member."""
    with transaction.atomic():
        old_name = None
        if changed and prohibition.pk:
            old_name = ProhibitedProjectName.objects.filter(pk=prohibition.pk).values_list("name", flat=True).first()
        prohibition.name = canonicalize_name(prohibition.name)
        if not changed:
            prohibition.prohibited_by = user
        prohibition.save()
        details = {"staff": user.username, "comment": prohibition.comment}
        if old_name is not None and old_name != prohibition.name:
            details["previous"] = old_name
        record_event(
            tag=EventTag.PROJECT_NAME_PROHIBIT_CHANGE if changed else EventTag.PROJECT_NAME_PROHIBIT,
            request=request,
            user=user,
            project_name=prohibition.name,
            details=details,
        )
    return prohibition


def prohibited_name_remove(*, request=None, user, prohibition):
    """Staff: allow a prohibited name again; recorded with the staff member."""
    with transaction.atomic():
        name = prohibition.name
        prohibition.delete()
        record_event(
            tag=EventTag.PROJECT_NAME_PROHIBIT_REMOVE,
            request=request,
            user=user,
            project_name=name,
            details={"staff": user.username},
        )
