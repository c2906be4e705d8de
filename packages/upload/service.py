"""The upload service: plan the upload (every check, nothing written), then write the plan under the project's lock.

`release_file_upload` is the one entry. `plan.plan_upload` runs the checks of REFERENCE §1 in
order and returns an UploadPlan; `write` locks the project (or creates it under the reservations'
lock), checks again only what can have changed meanwhile (the role, the project's state and size,
the release and its sdist), and writes the rows, the events and the bytes at once.
"""

import logging

from django.core.cache import cache
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max
from packaging.utils import canonicalize_name, canonicalize_version

from accounts.events import announce_events, build_events, record_events
from tokens.publishing import services as publishing_services

from .. import services, storage
from ..events import EventTag
from ..index import fastpath
from ..errors import InvalidUpload, UploadFailed
from ..models import File, Project, Release, confusable_name
from ..naming import rules
from ..naming.policy import project_creation_count
from ..provenance import upload as provenance
from ..upstream import reservations
from . import description, notices, statements  # noqa: F401  (description: the renderer the plan calls, patched by tests)
from .checks import files
from .plan import UploadResult, check_permission, filename_check, plan_upload, total_limit_for, upload_limit_for

__all__ = ["UploadResult", "release_file_upload", "upload_hard_limit", "upload_limit_for"]

logger = logging.getLogger(__name__)


def upload_hard_limit():
    """The most any upload may be: the site limit or the largest raised project limit.

    Kept in the cache (services.project_limits_set forgets it), so an upload does
    not aggregate over every project.
    """
    raised = cache.get(services.RAISED_UPLOAD_LIMIT_KEY)
    if raised is None:
        raised = Project.objects.aggregate(m=Max("upload_limit"))["m"] or 0
        cache.set(services.RAISED_UPLOAD_LIMIT_KEY, raised, timeout=None)
    return max(settings.FILE_UPLOAD_LIMIT, raised)


def release_file_upload(*, request=None, user, token=None, data, content):
    """Upload one distribution file, as the legacy API receives it.

    `data` is the form (a QueryDict or anything with `getlist`), `content` the
    uploaded file (a Django UploadedFile, ideally carrying a `digest` from
    HashingUploadHandler) or None. Runs the checks of REFERENCE §1 in order;
    raises InvalidUpload (400) or UploadForbidden (403). On success the file's
    bytes, its PEP 658 METADATA, its rows, the journal entry and the events are
    all written, or none of them is.
    """
    plan = plan_upload(request=request, user=user, token=token, data=data, content=content)
    if isinstance(plan, UploadResult):
        return plan
    if plan.project is None:
        _count_project_creation(request=request, plan=plan)
    try:
        return write(plan, request=request)
    except IntegrityError:
        # A concurrent upload got there first (or the filename was used before: the
        # registry's unique name decides): answer as if it had finished before us.
        existing = filename_check(filename=plan.filename, digest=plan.digest)
        if existing is not None:
            return existing
        raise InvalidUpload(
            "A concurrent upload changed this project; try again (an identical file is accepted as is)."
        ) from None
    except (OSError, DatabaseError):
        # Rows rolled back and written bytes removed by write: nothing is half-visible.
        logger.exception("upload of %s failed while storing", plan.filename)
        raise UploadFailed(
            f"{plan.filename} could not be stored because of a server error; nothing was kept. Try again."
        ) from None


def _count_project_creation(*, request, plan):
    """Count a new project against its creator's daily allowance (settings.PROJECT_CREATION_RATE_LIMIT).

    The creator is the person uploading, a pending publisher's registrant, or the organisation whose token it is.
    """
    if plan.publisher is not None:
        person, key = plan.publisher.registrant, f"user:{plan.publisher.registrant_id}"
    elif getattr(plan.token, "organization_id", None) is not None:
        person, key = None, f"organization:{plan.token.organization_id}"
    else:
        person, key = plan.user, f"user:{plan.user.pk}"
    project_creation_count(request=request, key=key, person=person)


# --- the writer ----------------------------------------------------------------


def write(plan, *, request=None):
    """Write `plan` under the project's lock: the rows, the journal, the events, then the bytes; all or nothing."""
    path = storage.file_path(blake2_256=plan.digest.blake2_256, filename=plan.filename)
    version = str(plan.file_metadata.version)
    add_release = (f"new release {version}", plan.user)
    add_file = (f"add {plan.dist.packagetype} file {plan.filename}", plan.user)
    stored = []
    try:
        with transaction.atomic():
            creation = None
            project = plan.project
            if project is None:
                # A new project's journal (its creation, the release, the file) goes in with it, in one insert.
                project, creation = _create_or_lock(plan, request=request, journal=[add_release, add_file])
            if creation is None:
                project, release = _lock_and_check_again(plan, project)
            else:
                release = None
            new_release = release is None
            if new_release:
                release = Release(
                    project=project,
                    version=version,
                    canonical_version=canonicalize_version(plan.file_metadata.version),
                    metadata=dict(plan.file_raw),
                    summary=plan.file_metadata.summary or "",
                    requires_python=str(plan.file_metadata.requires_python or ""),
                    description=plan.file_metadata.description or "",
                    description_content_type=plan.file_metadata.description_content_type or "",
                    description_html=plan.description_html,
                    uploader=plan.user,
                )
            file = File(
                release=release,
                filename=plan.filename,
                packagetype=plan.dist.packagetype,
                python_version=plan.python_version,
                size=plan.digest.size,
                sha256_digest=plan.digest.sha256,
                blake2_256_digest=plan.digest.blake2_256,
                md5_digest=plan.digest.md5,
                path=path,
                uploaded_by=plan.user,
                token_identifier=plan.token_identifier,
                metadata_sha256=storage.sha256_hex(plan.metadata_bytes) if plan.metadata_bytes is not None else "",
            )
            # A new project's journal went in with it; otherwise the release's and the file's go in now.
            journal = [] if creation is not None else [add_release, add_file] if new_release else [add_file]
            events = [*(creation.events if creation else ()), *_upload_events(plan, request, project, release, new_release)]
            # A file that another upload stored meanwhile (same name or bytes), or a filename used
            # before, is refused by the unique columns at insert, and answered by release_file_upload.
            _write_rows(project=project, release=release, file=file, journal=journal, size=plan.digest.size, events=events)
            # The provenance policy as it stands under the lock, and the verified attestations written with the file.
            provenance.upload_record(request=request, plan=plan.provenance, project=project, file=file, user=plan.user)
            if not plan.dist.pep625:
                notices.legacy_sdist_filename_notice(user=plan.user, project=project, release=release, filename=plan.filename)
            # Bytes last, so a failed row costs no write; the rollback below removes them.
            # Each name is noted before its write, so a write that fails half-way is removed too.
            stored.append(path)
            storage.store(path=path, content=plan.content)
            if plan.metadata_bytes is not None:
                stored.append(storage.metadata_path(path))
                storage.store_bytes(path=storage.metadata_path(path), data=plan.metadata_bytes)
    except BaseException:
        for name_written in stored:
            storage.delete_one(name_written)
        raise
    return UploadResult(file=file, created=True)


def _write_rows(*, project, release, file, journal, size, events):
    """The release (if new), the file and its name, the journal entries with the project's serial and size, the
    events: on PostgreSQL in one statement (statements.write_rows), elsewhere one insert each."""
    if connection.vendor == "postgresql":
        built = build_events(events)
        entries = services.journal_entries(project=project, entries=journal)
        statements.write_rows(project=project, release=release, file=file, journal=entries, size_change=size, events=built)
        if journal:
            fastpath.project_changed(name=project.normalized_name)
        announce_events(built)
        return
    if release.pk is None:
        release.save(force_insert=True)
    statements.insert_file(file)
    if journal:
        services.journal_record_entries(project=project, entries=journal, size_change=size)
    record_events(events)


def _create_or_lock(plan, *, request, journal):
    """Create the project of a first upload, or lock the one a parallel first upload just created.

    Returns (project, the services.ProjectCreation written) or (project, None) when it existed. A
    person's token creates the project for them, an organisation's for the organisation, a pending
    publisher's for its registrant. The unique constraints on the normalized and the look-alike name
    decide the race; a loser whose name only looks like the winner's is refused as a look-alike.
    """
    organization = plan.organization
    # Under the reservations' lock: a reservation made meanwhile covering the name is seen.
    reservations.creation_check(plan.name, organization_id=organization.pk if organization is not None else None)
    creation = services.project_creation(
        request=request, user=plan.creator, name=plan.name, token_identifier=plan.token_identifier, organization=organization
    )
    try:
        project = services.project_creation_write(creation, journal=journal, size=plan.digest.size)
    except IntegrityError:
        project = Project.objects.select_for_update().filter(normalized_name=canonicalize_name(plan.name)).first()
        if project is None:
            similar = Project.objects.filter(confusable_name=confusable_name(plan.name)).values_list("name", flat=True).first()
            rules.check_name_not_confusable(plan.name, similar_to=similar or "a project created at the same time")
            raise InvalidUpload(f"Project {plan.name!r} could not be created; try again.")
        return project, None
    if plan.publisher is not None:
        publishing_services.pending_publisher_promote(request=request, publisher=plan.publisher)
    return project, creation


def _lock_and_check_again(plan, project):
    """Lock `project` and check again, on one read made under the lock, what can have changed since the plan's:
    the role (or publisher), quarantine or archive, the project's size, the release and its sdist.
    Returns (project, release the file joins or None)."""
    person = plan.user if plan.user is not None and getattr(plan.user, "is_authenticated", False) else None
    statements.lock_project(project.pk)
    project, may_upload, release = statements.under_lock(
        project_id=project.pk,
        user_id=person.pk if person is not None else None,
        canonical_version=canonicalize_version(plan.file_metadata.version),
        sdist=plan.is_sdist,
    )
    if project is None:
        raise InvalidUpload(f"Project {plan.name!r} was removed while this file was uploading.")
    check_permission(
        user=plan.user, token=plan.token, project=project, normalized_name=project.normalized_name, may_upload=may_upload
    )
    files.check_project_size(
        plan.digest.size, total_size=project.total_size, limit=total_limit_for(project), project_name=project.name
    )
    files.check_one_sdist(packagetype=plan.dist.packagetype, release_has_sdist=bool(release and release.has_sdist))
    return project, release


def _upload_events(plan, request, project, release, new_release):
    # Who uploaded, as the history shows it: the token's user, or the trusted publisher.
    uploaded_by = {"token_id": plan.token_identifier}
    if plan.publisher is not None:
        uploaded_by.update(publisher=plan.publisher.description, publisher_id=plan.publisher.pk)
    events = []
    if new_release:
        events.append((EventTag.PROJECT_RELEASE_ADD, {"version": release.version}))
    events.append((EventTag.FILE_ADD, {"filename": plan.filename, "version": release.version}))
    return [
        {
            "tag": tag,
            "request": request,
            "user": plan.user,
            "project_name": project.normalized_name,
            "details": {**details, **uploaded_by},
        }
        for tag, details in events
    ]
