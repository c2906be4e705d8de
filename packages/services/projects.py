"""Writes about projects: creating one, removing it, its status (archived, quarantined) and its size limits."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy, ngettext
from packaging.utils import canonicalize_name

from accounts.events import record_event, record_events
from tokens.publishing import services as publishing_services

from ..collaboration.notify import collaborators, notify_collaborators
from ..collaboration.selectors import require_owner
from ..errors import InvalidAction
from ..events import EventTag
from ..models import File, Project, ProjectRole
from ._common import delete_after_commit, lock_project
from .journal import journal_record, journal_record_entries

# The largest upload limit staff have raised a project to (read by upload.service.upload_hard_limit).
RAISED_UPLOAD_LIMIT_KEY = "packages:raised-upload-limit"


@dataclass(frozen=True)
class ProjectCreation:
    """A new project, not written yet: the row, its first journal entry and its events (record_events' items).

    project_creation_write writes it; an upload writes it with its own entries and events, in one insert each.
    """

    project: Project
    owner: object  # the person made its Owner, or None (an organisation's project)
    journal: tuple  # (action, user) pairs
    events: tuple


def project_creation(*, request=None, user, name, token_identifier="", organization=None):
    """The ProjectCreation of project `name` with `user` as its Owner, or owned by `organization` (then `user` may be None).

    An organisation's project starts private when the organisation says "New
    projects are private" (read from its row now: the caller's copy may be as
    old as the token that authenticated the upload).
    """
    private = organization is not None and bool(
        type(organization).objects.filter(pk=organization.pk).values_list("private_by_default", flat=True).first()
    )
    project = Project(name=name, normalized_name=canonicalize_name(name), organization=organization, private=private)
    details = {"created_by": user.username if user else f"organisation {organization.name}"}
    if private:
        details["private"] = True
    if token_identifier:
        details["token_id"] = token_identifier
    events = [
        {
            "tag": EventTag.PROJECT_CREATE,
            "request": request,
            "user": user,
            "project_name": project.normalized_name,
            "details": details,
        }
    ]
    if organization is not None:
        events.append(
            {
                "tag": EventTag.ORGANIZATION_PROJECT_ADD,
                "request": request,
                "user": user,
                "project_name": project.normalized_name,
                "organization_name": organization.name,
                "details": {"organization": organization.name, "project": project.name, "created": True, **details},
            }
        )
    return ProjectCreation(
        project=project, owner=user if organization is None else None, journal=(("create", user),), events=tuple(events)
    )


def project_creation_write(creation, *, journal=(), size=0):
    """Insert the project of `creation` (IntegrityError if its name, or a look-alike, is taken) and its Owner's role,
    with its journal entries and `journal`'s after them, the project's serial and `size` set at the insert.
    The caller records `creation.events` (and its own) once the project's rows are written."""
    project = creation.project
    with transaction.atomic():
        journal_record_entries(project=project, entries=[*creation.journal, *journal], index=True, size_change=size)
        project.save(force_insert=True)
        if creation.owner is not None:
            ProjectRole.objects.create(project=project, user=creation.owner, role=ProjectRole.Role.OWNER)
    return project


def project_create(*, request=None, user, name, token_identifier="", organization=None):
    """Create a project with `user` as its Owner, or owned by `organization` (then `user` may be None).

    The name checks (valid, not prohibited, not confusable, not a stdlib module) are
    packages.naming's; this service only writes.
    """
    creation = project_creation(
        request=request, user=user, name=name, token_identifier=token_identifier, organization=organization
    )
    with transaction.atomic():
        project = project_creation_write(creation)
        record_events(creation.events)
    return project


def project_remove(*, request=None, user, project, staff=False):
    """Remove a project with all its releases and files; every collaborator is told.

    Its filenames stay used forever; its name is free again for anyone.
    """
    with transaction.atomic():
        project = lock_project(project)
        if not staff:
            require_owner(user=user, project=project)
        paths = list(File.objects.filter(release__project=project).values_list("path", flat=True))
        journal_record(project=project, action="remove project", user=user, index=True)
        record_event(
            tag=EventTag.PROJECT_REMOVE,
            request=request,
            user=user,
            project_name=project.normalized_name,
            details={"by_staff": staff, "files": len(paths)},
        )
        if staff:
            message = ngettext(
                "The site's staff deleted the project %(project)s with its %(count)d file. "
                "Its filename can never be uploaded again; its name is free for a new project.",
                "The site's staff deleted the project %(project)s with its %(count)d files. "
                "Their filenames can never be uploaded again; its name is free for a new project.",
                len(paths),
            )
        else:
            message = ngettext(
                "%(by)s deleted the project %(project)s with its %(count)d file. "
                "Its filename can never be uploaded again; its name is free for a new project.",
                "%(by)s deleted the project %(project)s with its %(count)d files. "
                "Their filenames can never be uploaded again; its name is free for a new project.",
                len(paths),
            )
        notify_collaborators(
            project=project,
            recipients=collaborators(project),
            subject=gettext("Project %(project)s deleted") % {"project": project.name},
            message=message % {"by": user.username if user else "", "project": project.name, "count": len(paths)},
        )
        publishing_services.project_publishers_remove(
            request=request, user=user, project_name=project.normalized_name
        )
        project.delete()
        delete_after_commit(paths)


@dataclass(frozen=True)
class _StatusChange:
    to: str
    tag: str
    journal: str
    refusals: dict  # current status -> why the change cannot happen (%(name)s is filled in)
    owner_only: bool


_ACTIVE, _ARCHIVED, _QUARANTINED = Project.Status.ACTIVE, Project.Status.ARCHIVED, Project.Status.QUARANTINED
_STATUS_CHANGES = {
    "archive": _StatusChange(
        _ARCHIVED,
        EventTag.PROJECT_ARCHIVE,
        "archive",
        # (A quarantined project is refused by require_owner: staff hold it as it is.)
        {_ARCHIVED: gettext_lazy("Project '%(name)s' is already archived.")},
        owner_only=True,
    ),
    "unarchive": _StatusChange(
        _ACTIVE,
        EventTag.PROJECT_UNARCHIVE,
        "unarchive",
        {_ACTIVE: gettext_lazy("Project '%(name)s' is not archived.")},
        owner_only=True,
    ),
    "quarantine": _StatusChange(
        _QUARANTINED,
        EventTag.PROJECT_QUARANTINE_ENTER,
        "quarantine enter",
        {_QUARANTINED: gettext_lazy("Project '%(name)s' is already quarantined.")},
        owner_only=False,
    ),
    "unquarantine": _StatusChange(
        _ACTIVE,
        EventTag.PROJECT_QUARANTINE_EXIT,
        "quarantine exit",
        {
            _ACTIVE: gettext_lazy("Project '%(name)s' is not quarantined."),
            _ARCHIVED: gettext_lazy("Project '%(name)s' is not quarantined."),
        },
        owner_only=False,
    ),
}


def _project_status_set(*, request, user, project, change):
    change = _STATUS_CHANGES[change]
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if change.owner_only:
            require_owner(user=user, project=project)
        if project.status in change.refusals:
            raise InvalidAction(change.refusals[project.status] % {"name": project.name})
        project.status = change.to
        project.save(update_fields=["status"])
        journal_record(project=project, action=change.journal, user=user, index=True)
        record_event(tag=change.tag, request=request, user=user, project_name=project.normalized_name)
    return project


def project_archive(*, request=None, user, project):
    """Owner: mark the project as finished. Uploads are refused; it stays installable."""
    return _project_status_set(request=request, user=user, project=project, change="archive")


def project_unarchive(*, request=None, user, project):
    """Owner: accept uploads again."""
    return _project_status_set(request=request, user=user, project=project, change="unarchive")


def project_quarantine_enter(*, request=None, user, project):
    """Staff: hide the project from the index and refuse its uploads."""
    return _project_status_set(request=request, user=user, project=project, change="quarantine")


def project_quarantine_exit(*, request=None, user, project):
    """Staff: put a quarantined project back in the index."""
    return _project_status_set(request=request, user=user, project=project, change="unquarantine")


def project_limits_set(*, request=None, user, project, upload_limit, total_size_limit):
    """Staff: set (or, with None, reset to the site default) a project's size limits."""
    with transaction.atomic():
        project = lock_project(project)
        project.upload_limit = upload_limit
        project.total_size_limit = total_size_limit
        project.save(update_fields=["upload_limit", "total_size_limit"])
        # The largest raised limit decides how much of any upload is read (upload.service.upload_hard_limit).
        cache.delete(RAISED_UPLOAD_LIMIT_KEY)
        transaction.on_commit(lambda: cache.delete(RAISED_UPLOAD_LIMIT_KEY))
        record_event(
            tag=EventTag.PROJECT_LIMITS_CHANGE,
            request=request,
            user=user,
            project_name=project.normalized_name,
            details={"upload_limit": upload_limit, "total_size_limit": total_size_limit},
        )
    return project
