"""What the writes about projects, releases and files share: the project's row lock, files deleted after commit."""

from django.db import transaction
from django.utils.translation import gettext

from .. import storage
from ..errors import InvalidAction
from ..models import Project


def lock_project(project):
    """Lock `project`'s row for the rest of the transaction; uploads to it wait (or we wait for them)."""
    locked = Project.objects.select_for_update().filter(pk=project.pk).first()
    if locked is None:
        raise InvalidAction(gettext("Project '%(project)s' no longer exists.") % {"project": project.name})
    return locked


def delete_after_commit(paths):
    paths = list(paths)
    transaction.on_commit(lambda: [storage.delete(path) for path in paths])
