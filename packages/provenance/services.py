"""An Owner's provenance policy switch for a project (the organisation's is in organizations.services).

Uploads read the flag under the same project lock (packages/provenance/upload.py).
"""

from django.db import transaction
from django.utils.translation import gettext

from accounts.events import record_event
from accounts.mail import send_user_mail

from ..events import EventTag
from ..collaboration.selectors import require_owner
from ..errors import InvalidAction
from ..index import rendering
from ..models import Project
from ..visibility.services import project_people


def project_provenance_policy_set(*, request=None, actor, project, required):
    """An Owner turns "every new file must carry a verified attestation from one of our trusted publishers" on or off.

    In one transaction: lock the project, check the actor is an Owner, change the
    flag, record project:provenance:policy; after commit every person with a role on
    the project is mailed. Uploads check the flag under the same lock. Raises
    NotAllowed for a non-Owner, InvalidAction when nothing would change.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().filter(pk=project.pk).first()
        if project is None:
            raise InvalidAction(gettext("That project no longer exists."))
        require_owner(user=actor, project=project)
        if project.provenance_required == required:
            message = (
                gettext("%(name)s already requires verified provenance.")
                if required
                else gettext("%(name)s already accepts files without provenance.")
            )
            raise InvalidAction(message % {"name": project.name})
        project.provenance_required = required
        project.save(update_fields=["provenance_required"])
        record_event(
            tag=EventTag.PROJECT_PROVENANCE_POLICY_CHANGE,
            request=request,
            user=actor,
            project_name=project.normalized_name,
            details={"provenance_required": required},
        )
        # The project page states the policy.
        rendering.project_changed(name=project.normalized_name)
        people = project_people(project)
        context = {
            "project_name": project.name,
            "normalized_name": project.normalized_name,
            "required": required,
            "actor": actor.username,
        }

        def send():
            for person in people:
                send_user_mail(user=person, template="packages/mail/provenance_policy_changed", context=context)

        transaction.on_commit(send)
    return project
