"""Writes about projects, releases and files (the upload itself is packages.upload.service).

Every write that changes what installers see records one JournalEntry and sets
`Project.last_serial` to its id, in the same transaction (`journal_record`).
Files leave storage only after the transaction that removed their rows commits.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext, gettext_lazy, ngettext
from packaging.utils import canonicalize_name

from accounts.events import record_event
from tokens.publishing import services as publishing_services

from .events import EventTag
from .collaboration.notify import collaborators, notify_collaborators
from .collaboration.selectors import require_owner
from .errors import InvalidAction
from .index import fastpath
from .models import File, JournalEntry, ProhibitedProjectName, Project, ProjectRole, Release
from . import storage

# The largest upload limit staff have raised a project to (read by upload.service.upload_hard_limit).
RAISED_UPLOAD_LIMIT_KEY = "packages:raised-upload-limit"


def journal_record(*, project, action, user=None, index=False):
    """Record a change installers can see and bump the project's serial to it.

    The cached documents of the project (and, with `index`, of the root index,
    for changes to the list of projects) go out of date, at the edge too.
    """
    return journal_record_many(project=project, actions=[action], user=user, index=index)[0]


def journal_record_many(*, project, actions, user=None, index=False, size_change=0):
    """journal_record for several changes of one action, in one insert and one project update.

    `size_change` is added to the project's total size in the same update.
    """
    user = user if user and user.pk else None
    entries = JournalEntry.objects.bulk_create(
        [JournalEntry(project_name=project.normalized_name, action=action, user=user) for action in actions]
    )
    serial = max(entry.id for entry in entries)
    if project.pk:
        # Entry ids are handed out at insert, not at commit: a transaction that
        # took a smaller id may commit after one with a larger id. Never move back.
        changes = {"last_serial": Greatest(F("last_serial"), Value(serial))}
        if size_change:
            changes["total_size"] = F("total_size") + size_change
        Project.objects.filter(pk=project.pk).update(**changes)
    project.last_serial = max(project.last_serial or 0, serial)
    fastpath.project_changed(name=project.normalized_name, index=index)
    return entries


def _lock_project(project):
    """Lock `project`'s row for the rest of the transaction; uploads to it wait (or we wait for them)."""
    locked = Project.objects.select_for_update().filter(pk=project.pk).first()
    if locked is None:
        raise InvalidAction(gettext("Project '%(project)s' no longer exists.") % {"project": project.name})
    return locked


# --- projects ----------------------------------------------------------------


def project_create(*, request=None, user, name, token_identifier="", organization=None):
    """Create a project with `user` as its Owner, or owned by `organization` (then `user` may be None).

    An organisation's project starts private when the organisation says "New
    projects are private" (read from its row now: the caller's copy may be as
    old as the token that authenticated the upload). The name checks (valid,
    not prohibited, not confusable, not a stdlib module) are the upload
    pipeline's; this service only writes.
    """
    private = organization is not None and bool(
        type(organization).objects.filter(pk=organization.pk).values_list("private_by_default", flat=True).first()
    )
    with transaction.atomic():
        project = Project.objects.create(
            name=name, normalized_name=canonicalize_name(name), organization=organization, private=private
        )
        if organization is None:
            ProjectRole.objects.create(project=project, user=user, role=ProjectRole.Role.OWNER)
        journal_record(project=project, action="create", user=user, index=True)
        details = {"created_by": user.username if user else f"organisation {organization.name}"}
        if private:
            details["private"] = True
        if token_identifier:
            details["token_id"] = token_identifier
        record_event(
            tag=EventTag.PROJECT_CREATE,
            request=request,
            user=user,
            project_name=project.normalized_name,
            details=details,
        )
        if organization is not None:
            record_event(
                tag=EventTag.ORGANIZATION_PROJECT_ADD,
                request=request,
                user=user,
                project_name=project.normalized_name,
                organization_name=organization.name,
                details={"organization": organization.name, "project": project.name, "created": True, **details},
            )
    return project


def _delete_after_commit(paths):
    paths = list(paths)
    transaction.on_commit(lambda: [storage.delete(path) for path in paths])


def project_remove(*, request=None, user, project, staff=False):
    """Remove a project with all its releases and files; every collaborator is told.

    Its filenames stay used forever; its name is free again for anyone.
    """
    with transaction.atomic():
        project = _lock_project(project)
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
        _delete_after_commit(paths)


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
        project = _lock_project(project)
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


# --- releases ----------------------------------------------------------------


def release_yank(*, request=None, user, release, reason=""):
    """Yank a release (PEP 592): resolvers skip it unless it is pinned with ==."""
    project = release.project
    require_owner(user=user, project=project)
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.yanked:
            raise InvalidAction(gettext("Release %(version)s is already yanked.") % {"version": release.version})
        release.yanked = True
        release.yanked_reason = (reason or "").strip()
        release.save(update_fields=["yanked", "yanked_reason"])
        journal_record(project=project, action=f"yank release {release.version}", user=user)
        record_event(
            tag=EventTag.PROJECT_RELEASE_YANK,
            request=request,
            user=user,
            project_name=project.normalized_name,
            details={"version": release.version, "reason": release.yanked_reason},
        )
        names = {"username": user.username, "version": release.version, "project": project.name}
        message = gettext("%(username)s yanked release %(version)s of %(project)s.") % names
        if release.yanked_reason:
            message += " " + gettext("Reason: %(reason)s") % {"reason": release.yanked_reason}
        notify_collaborators(
            project=project,
            subject=gettext("%(project)s %(version)s yanked") % names,
            message=message,
        )
    return release


def release_unyank(*, request=None, user, release):
    project = release.project
    require_owner(user=user, project=project)
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if not release.yanked:
            raise InvalidAction(gettext("Release %(version)s is not yanked.") % {"version": release.version})
        release.yanked = False
        release.yanked_reason = ""
        release.save(update_fields=["yanked", "yanked_reason"])
        journal_record(project=project, action=f"unyank release {release.version}", user=user)
        record_event(
            tag=EventTag.PROJECT_RELEASE_UNYANK,
            request=request,
            user=user,
            project_name=project.normalized_name,
            details={"version": release.version},
        )
    return release


def _shrink(project, size):
    Project.objects.filter(pk=project.pk).update(total_size=Greatest(F("total_size") - Value(size), Value(0)))


def release_remove(*, request=None, user, release, staff=False):
    """Remove a release and its files. Their filenames can never be uploaded again."""
    with transaction.atomic():
        project = _lock_project(release.project)
        if not staff:
            require_owner(user=user, project=project)
        release = Release.objects.filter(pk=release.pk, project=project).first()
        if release is None:
            raise InvalidAction(gettext("This release was already removed."))
        files = list(release.files.all())
        size = sum(f.size for f in files)
        journal_record(project=project, action=f"remove release {release.version}", user=user)
        record_event(
            tag=EventTag.PROJECT_RELEASE_REMOVE,
            request=request,
            user=user,
            project_name=project.normalized_name,
            details={"version": release.version, "files": len(files), "by_staff": staff},
        )
        notify_collaborators(
            project=project,
            subject=gettext("%(project)s %(version)s removed") % {"project": project.name, "version": release.version},
            message=(
                ngettext(
                    "The site's staff removed release %(version)s of %(project)s and its %(count)d file. "
                    "Its filename can never be uploaded again.",
                    "The site's staff removed release %(version)s of %(project)s and its %(count)d files. "
                    "Their filenames can never be uploaded again.",
                    len(files),
                )
                if staff
                else ngettext(
                    "%(username)s removed release %(version)s of %(project)s and its %(count)d file. "
                    "Its filename can never be uploaded again.",
                    "%(username)s removed release %(version)s of %(project)s and its %(count)d files. "
                    "Their filenames can never be uploaded again.",
                    len(files),
                )
            )
            % {
                "username": user.username if user else "",
                "version": release.version,
                "project": project.name,
                "count": len(files),
            },
        )
        release.delete()
        _shrink(project, size)
        _delete_after_commit(f.path for f in files)


def file_remove(*, request=None, user, file, staff=False):
    """Remove one file. Its filename can never be uploaded again."""
    with transaction.atomic():
        project = _lock_project(file.release.project)
        if not staff:
            require_owner(user=user, project=project)
        file = File.objects.select_related("release").filter(pk=file.pk, release__project=project).first()
        if file is None:
            raise InvalidAction(gettext("This file was already removed."))
        release = file.release
        journal_record(project=project, action=f"remove file {file.filename}", user=user)
        record_event(
            tag=EventTag.FILE_REMOVE,
            request=request,
            user=user,
            project_name=project.normalized_name,
            details={"filename": file.filename, "version": release.version, "by_staff": staff},
        )
        notify_collaborators(
            project=project,
            subject=gettext("File %(filename)s removed from %(project)s")
            % {"filename": file.filename, "project": project.name},
            message=(
                gettext(
                    "The site's staff removed the file %(filename)s (%(project)s %(version)s). Its filename can never be uploaded again."
                )
                if staff
                else gettext(
                    "%(username)s removed the file %(filename)s (%(project)s %(version)s). Its filename can never be uploaded again."
                )
            )
            % {
                "username": user.username if user else "",
                "filename": file.filename,
                "project": project.name,
                "version": release.version,
            },
        )
        path = file.path
        file.delete()
        _shrink(project, file.size)
        _delete_after_commit([path])


# --- prohibited names (staff) ------------------------------------------------


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
