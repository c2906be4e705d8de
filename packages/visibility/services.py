"""Making a project private or public again.

Who may then read it is the read side's one rule (collaborators, teams with a
role, the organisation's members when it lets them read all its projects,
staff, tokens scoped to it); this module only changes the flag, under the
project's lock, records it, makes every cached document of the project and
of the root index out of date, and tells the project's people.
"""

from django.db import transaction
from django.utils.translation import gettext

from accounts.events import record_event
from accounts.mail import send_user_mail
from accounts.models import User
from organizations.models import OrganizationRole

from ..collaboration.selectors import require_owner
from ..errors import InvalidAction
from ..events import EventTag
from ..index import fastpath
from ..models import Project, ProjectRole, TeamProjectRole


def project_people(project):
    """Every active person with a role on `project`: their own, through a team, or as an Owner of its organisation."""
    users = {role.user.pk: role.user for role in ProjectRole.objects.filter(project=project).select_related("user")}
    if project.organization_id is not None:
        through_teams = TeamProjectRole.objects.filter(
            project=project, team__organization_id=project.organization_id
        ).values_list("team__members__member__user", flat=True)
        owners = OrganizationRole.objects.filter(
            organization_id=project.organization_id, role=OrganizationRole.Role.OWNER
        ).select_related("user")
        for role in owners:
            users.setdefault(role.user.pk, role.user)
        missing = {pk for pk in through_teams if pk is not None} - set(users)
        if missing:
            users.update({user.pk: user for user in User.objects.filter(pk__in=missing)})
    return [user for user in users.values() if user.is_active]


def project_visibility_set(*, request=None, actor, project, private, staff=False):
    """Make `project` private (True) or public (False); returns the project.

    `actor` must be an Owner of the project, unless `staff` (a change from the
    admin, recorded as staff's). Raises NotAllowed for anyone else and
    InvalidAction when the project already has that visibility. In one
    transaction: lock the row, change it, record project:visibility:change
    (details: private, and by_staff for staff); after commit every person with
    a role on the project is mailed.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(pk=project.pk).first()
        if project is None:
            raise InvalidAction(gettext("That project no longer exists."))
        if not staff:
            require_owner(user=actor, project=project)
        if project.private == private:
            message = gettext("%(name)s is already private.") if private else gettext("%(name)s is already public.")
            raise InvalidAction(message % {"name": project.name})
        project.private = private
        project.save(update_fields=["private"])
        details = {"private": private}
        if staff:
            details["by_staff"] = True
        record_event(
            tag=EventTag.PROJECT_VISIBILITY_CHANGE,
            request=request,
            user=actor if actor is not None and actor.pk else None,
            project_name=project.normalized_name,
            details=details,
        )
        # Every cached answer about the project, and the root index that lists (or hides) it, is now stale.
        fastpath.project_changed(name=project.normalized_name, index=True)
        people = project_people(project)
        context = {
            "project_name": project.name,
            "normalized_name": project.normalized_name,
            "private": private,
            "actor": actor.username if actor is not None and not staff else "",
        }

        def send():
            for user in people:
                send_user_mail(user=user, template="packages/mail/visibility_changed", context=context)

        transaction.on_commit(send)
    return project
