"""Writes about releases and files: yanking (PEP 592), un-yanking, removing. A removed filename is never uploaded again."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext, ngettext

from accounts.events import record_event

from ..collaboration.notify import notify_collaborators
from ..collaboration.selectors import require_owner
from ..errors import InvalidAction
from ..events import EventTag
from ..models import File, Project, Release
from ._common import delete_after_commit, lock_project
from .journal import journal_record


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
        project = lock_project(release.project)
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
        delete_after_commit(f.path for f in files)


def file_remove(*, request=None, user, file, staff=False):
    """Remove one file. Its filename can never be uploaded again."""
    with transaction.atomic():
        project = lock_project(file.release.project)
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
        delete_after_commit([path])
