"""The upload service: run every check, then store the file and write its rows and events at once."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from packaging.utils import canonicalize_name, canonicalize_version

from accounts.events import record_events
from accounts.ratelimit import ALLOW, RateLimit, RateLimited
from accounts.services import rate_limit_record
from mfa.selectors import user_upload_standing
from tokens.publishing import selectors as publishing
from tokens.publishing import services as publishing_services

from ..events import EventTag
from .. import services
from ..collaboration import selectors as collaboration
from ..errors import InvalidUpload, UploadFailed, UploadRateLimited
from ..models import File, FilenameRegistry, ProhibitedProjectName, Project, Release, confusable_name
from .. import storage
from ..provenance import upload as provenance
from ..upstream.names import reservation_for
from ..upstream import reservations
from ..upstream.reservations import RESERVED_MESSAGE
from . import description, notices
from .checks import archives, files, form, metadata, names, publishers


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadResult:
    file: File
    created: bool  # False: the identical file was already there and nothing changed


def upload_limit_for(project):
    return (project.upload_limit if project and project.upload_limit else None) or settings.FILE_UPLOAD_LIMIT


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


def _total_limit_for(project):
    return (project.total_size_limit if project and project.total_size_limit else None) or settings.PROJECT_SIZE_LIMIT


def release_file_upload(*, request=None, user, token=None, data, content):
    """Upload one distribution file, as the legacy API receives it.

    `data` is the form (a QueryDict or anything with `getlist`), `content` the
    uploaded file (a Django UploadedFile, ideally carrying a `digest` from
    HashingUploadHandler) or None. Runs the checks of REFERENCE §1 in order;
    raises InvalidUpload (400) or UploadForbidden (403). On success the file's
    bytes, its PEP 658 METADATA, its rows, the journal entry and the events are
    all written, or none of them is.
    """
    fields = form.clean_form(data)
    form.check_action(fields)
    form.check_protocol_version(fields)
    form_metadata = metadata.check_metadata(form.raw_metadata_from_form(fields))
    form.check_content_present(content)
    filetype = form.check_filetype(fields)

    name, version = form_metadata.name, form_metadata.version
    normalized = canonicalize_name(name)
    project = Project.objects.filter(normalized_name=normalized).first()
    if project is None:
        new_project_name_check(name, organization_id=getattr(token, "organization_id", None))

    names.check_token_may_upload(token)
    names.check_token_scope(token, normalized_name=normalized)
    publisher = _check_permission(user=user, token=token, project=project, normalized_name=normalized)
    if publisher is None and getattr(token, "organization_id", None) is None:
        # A person uploads: PyPI's rules for them. (A publisher or an organisation has no person to check.)
        verified, two_factor = user_upload_standing(user)
        names.check_verified_email(user=user, verified=verified)
        names.check_two_factor(user=user, enabled=two_factor)

    # The release this file joins, if it exists: its description was rendered when it was created,
    # so the further files of a release (the same README) are not rendered again.
    release = _release_of(project, version, sdist=filetype == "sdist") if project is not None else None
    rendered = {}
    if release is not None:
        rendered[(release.description, release.description_content_type)] = release.description_html

    def render(text, content_type):
        key = (text or "", content_type or "")
        if key not in rendered:
            rendered[key] = description.render_description(text, content_type)
        return rendered[key]

    render(form_metadata.description, form_metadata.description_content_type)

    filename = content.name
    files.check_filename_safe(filename)
    dist = files.parse_dist_filename(filename, filetype=filetype)
    files.check_filename_matches(dist, name=name, version=version)
    files.check_platform_tags(dist, filename=filename)

    limit = upload_limit_for(project)
    digest = getattr(content, "digest", None) or storage.StreamDigest.of(content, limit=limit)
    project_label = project.name if project else name
    files.check_size(digest.size, limit=limit, project_name=project_label)
    files.check_project_size(
        digest.size,
        total_size=project.total_size if project else 0,
        limit=_total_limit_for(project),
        project_name=project_label,
    )
    files.check_digests(
        supplied={
            "md5": form.form_value(fields, "md5_digest"),
            "sha256": form.form_value(fields, "sha256_digest"),
            "blake2_256": form.form_value(fields, "blake2_256_digest"),
        },
        computed={"md5": digest.md5, "sha256": digest.sha256, "blake2_256": digest.blake2_256},
    )

    existing = _filename_check(filename=filename, digest=digest)
    if existing is not None:
        return existing
    files.check_one_sdist(packagetype=dist.packagetype, release_has_sdist=bool(release and release.has_sdist))

    if dist.packagetype == File.PackageType.WHEEL:
        metadata_bytes = archives.wheel_metadata(content, filename=filename, dist=dist, size=digest.size)
    else:
        metadata_bytes = archives.sdist_metadata(content, filename=filename, size=digest.size)
    file_raw = metadata.parse_metadata_file(metadata_bytes)
    file_metadata = metadata.check_metadata(file_raw)
    metadata.check_file_metadata_matches(file_metadata, dist=dist, name=name, version=version)
    description_html = render(file_metadata.description, file_metadata.description_content_type)

    # PEP 740 attestations verified and the provenance policy applied, before anything is stored.
    provenance_plan = provenance.upload_plan(
        request=request, raw_attestations=fields.get("attestations"), token=token, publisher=publisher,
        project=project, normalized_name=normalized, filename=filename, sha256=digest.sha256,
    )
    if project is None:
        _count_project_creation(request=request, user=user, token=token, publisher=publisher)
    try:
        return _write(
            request=request,
            user=user,
            token=token,
            publisher=publisher,
            name=name,
            project=project,
            dist=dist,
            filename=filename,
            fields=fields,
            content=content,
            digest=digest,
            file_raw=file_raw,
            file_metadata=file_metadata,
            description_html=description_html,
            known_release=release,
            # PEP 658 core metadata only for wheels: an sdist's PKG-INFO may
            # differ from what building it produces.
            metadata_bytes=metadata_bytes if dist.packagetype == File.PackageType.WHEEL else None,
            provenance_plan=provenance_plan,
        )
    except IntegrityError:
        # A concurrent upload got there first (or the filename was used before: the
        # registry's unique name decides): answer as if it had finished before us.
        existing = _filename_check(filename=filename, digest=digest)
        if existing is not None:
            return existing
        raise InvalidUpload(
            "A concurrent upload changed this project; try again (an identical file is accepted as is)."
        ) from None
    except (OSError, DatabaseError):
        # Rows rolled back and written bytes removed by _write: nothing is half-visible.
        logger.exception("upload of %s failed while storing", filename)
        raise UploadFailed(f"{filename} could not be stored because of a server error; nothing was kept. Try again.") from None


def new_project_name_check(name, *, organization_id=None):
    """The rules for the name of a new project, however it is created: raise InvalidUpload unless `name` may be used.

    Not prohibited by staff, not reserved by an organisation other than `organization_id` (the
    organisation creating it, if any), not a look-alike of an existing project, not a standard library
    module. (A project of exactly this name is the caller's business: an upload adds to it, creating
    by name refuses it.)
    """
    normalized = canonicalize_name(name)
    names.check_name_not_prohibited(name, prohibited=ProhibitedProjectName.objects.filter(name=normalized).exists())
    reservation = reservation_for(normalized)
    if reservation is not None and reservation.organization_id != organization_id:
        raise InvalidUpload(str(RESERVED_MESSAGE % {"name": name, "organization": reservation.organization.name}))
    # A parallel first upload may have just created this very project: that is not a look-alike.
    similar = (
        Project.objects.filter(confusable_name=confusable_name(name))
        .exclude(normalized_name=normalized)
        .values_list("name", flat=True)
    )
    names.check_name_not_confusable(name, similar_to=similar.first())
    names.check_name_not_stdlib(name)


project_creations = RateLimit("project-create", limit=20, window=24 * 3600, when_unavailable=ALLOW)


def _count_project_creation(*, request, user, token, publisher):
    """Count a new project against its creator's daily allowance (settings.PROJECT_CREATION_RATE_LIMIT).

    The creator is the person uploading, a pending publisher's registrant, or the organisation whose token it is.
    """
    if publisher is not None:
        person, key = publisher.registrant, f"user:{publisher.registrant_id}"
    elif getattr(token, "organization_id", None) is not None:
        person, key = None, f"organization:{token.organization_id}"
    else:
        person, key = user, f"user:{user.pk}"
    project_creation_count(request=request, key=key, person=person)


def project_creation_count(*, request, key, person=None):
    """Count one new project against the daily allowance of `key` ("user:<id>" or "organization:<id>")."""
    try:
        project_creations.consume(key, limit=settings.PROJECT_CREATION_RATE_LIMIT)
    except RateLimited as error:
        rate_limit_record(request=request, error=error, user=person)
        raise UploadRateLimited(
            f"Too many new projects. You can create {settings.PROJECT_CREATION_RATE_LIMIT} a day; "
            f"try again in {error.minutes} minutes.",
            retry_after=error.retry_after,
        ) from None


def _filename_check(*, filename, digest):
    """The identical file already uploaded, or None when the filename is free; else raise the right refusal."""
    existing = _existing_file(filename=filename, digest=digest)
    if existing is None and FilenameRegistry.objects.filter(filename=filename).exists():
        # A parallel upload of this filename may have committed between the two
        # reads: look again, so its loser hears "File already exists".
        existing = _existing_file(filename=filename, digest=digest)
        if existing is None:
            files.check_filename_unused(used=True)
    return existing


def _existing_file(*, filename, digest):
    """The identical file already uploaded (an idempotent success), or an error when the name or bytes are taken.

    One query: the files that share the name or either digest (at most three, each unique).
    """
    taken = list(
        File.objects.filter(
            Q(filename=filename) | Q(blake2_256_digest=digest.blake2_256) | Q(sha256_digest=digest.sha256)
        )[:3]
    )
    same_name = next((file for file in taken if file.filename == filename), None)
    if same_name is not None and files.is_identical(same_name, sha256=digest.sha256, blake2_256=digest.blake2_256):
        return UploadResult(file=same_name, created=False)
    files.check_not_existing(filename=filename, blake2_256=digest.blake2_256, exists=bool(taken))
    return None


def _release_of(project, version, *, sdist):
    """The release of `project` with `version`'s canonical form, or None. One query.

    For an `sdist` it carries `has_sdist` (a wheel's upload need not ask).
    """
    releases = Release.objects.filter(project=project, canonical_version=canonicalize_version(version))
    if not sdist:
        release = releases.first()
        if release is not None:
            release.has_sdist = False  # not asked: a wheel does not care
        return release
    sdists = File.objects.filter(release=OuterRef("pk"), packagetype=File.PackageType.SDIST)
    return releases.annotate(has_sdist=Exists(sdists)).first()


def _check_permission(*, user, token, project, normalized_name):
    """Whether this token may upload to `project` (None: a new one); returns the trusted publisher behind it, if any.

    Run once early and again under the project's lock, where a role removed or a
    quarantine entered in between is seen.
    """
    publisher = None
    if token is not None and token.is_from_publisher:
        publisher = publishing.token_publisher(token=token, project_name=normalized_name)
        publishers.check_publisher(publisher, project_exists=project is not None, project_name=normalized_name)
    elif project is not None:
        has_role = collaboration.token_can_upload(user=user, token=token, project=project)
        names.check_role(user=user, token=token, project_name=project.name, has_role=has_role)
    if project is not None:
        names.check_project_accepts_uploads(project)
    return publisher


def _project_create_or_lock(*, request, user, name, token_identifier, organization=None):
    """Create the project of a first upload, or lock the one a parallel first upload just created.

    Returns (project, created). The unique constraints on the normalized and the
    look-alike name decide the race; a loser whose name only looks like the
    winner's is refused as a look-alike.
    """
    reservations.creation_check(name, organization_id=organization.pk if organization is not None else None)
    try:
        project = services.project_create(
            request=request, user=user, name=name, token_identifier=token_identifier, organization=organization
        )
        return project, True
    except IntegrityError:
        pass
    project = Project.objects.select_for_update().filter(normalized_name=canonicalize_name(name)).first()
    if project is None:
        similar = Project.objects.filter(confusable_name=confusable_name(name)).values_list("name", flat=True).first()
        names.check_name_not_confusable(name, similar_to=similar or "a project created at the same time")
        raise InvalidUpload(f"Project {name!r} could not be created; try again.")
    return project, False


def _write(
    *,
    request,
    user,
    token,
    publisher,
    name,
    project,
    dist,
    filename,
    fields,
    content,
    digest,
    file_raw,
    file_metadata,
    description_html,
    known_release,
    metadata_bytes,
    provenance_plan=None,
):
    token_identifier = getattr(token, "identifier", "") or ""
    # Who uploaded, as the history shows it: the token's user, or the trusted publisher.
    uploaded_by = {"token_id": token_identifier}
    if publisher is not None:
        uploaded_by.update(publisher=publisher.description, publisher_id=publisher.pk)
    path = storage.file_path(blake2_256=digest.blake2_256, filename=filename)
    stored = []
    try:
        with transaction.atomic():
            if project is None:
                # A person's token creates the project for them, an organisation's for the
                # organisation, a pending publisher's for its registrant.
                project, created = _project_create_or_lock(
                    request=request,
                    user=publisher.registrant if publisher is not None else user,
                    name=name,
                    token_identifier=token_identifier,
                    organization=getattr(token, "organization", None),
                )
                if publisher is not None:
                    publishing_services.pending_publisher_promote(request=request, publisher=publisher)
            else:
                project, created = Project.objects.select_for_update().filter(pk=project.pk).first(), False
                if project is None:
                    raise InvalidUpload(f"Project {name!r} was removed while this file was uploading.")
            if not created:
                # Checked before the lock on a read that may be stale: role,
                # quarantine/archive and the project's size may have changed.
                _check_permission(user=user, token=token, project=project, normalized_name=project.normalized_name)
                files.check_project_size(
                    digest.size, total_size=project.total_size, limit=_total_limit_for(project), project_name=project.name
                )
            # A file that another upload stored meanwhile (same name or bytes), or a filename used
            # before, is refused by the unique columns at insert, and answered by the handler above.
            if created:
                release = None
            elif known_release is not None and dist.packagetype == File.PackageType.WHEEL:
                # Releases are created and removed under this lock: the one read before it still stands
                # (a removal in between fails the file's insert, answered by the handler above).
                release = known_release
            else:
                # None before the lock (a parallel upload may have created it since), or an sdist,
                # whose one-per-release rule needs the release's files as they are now.
                release = _release_of(project, file_metadata.version, sdist=dist.packagetype == File.PackageType.SDIST)
            files.check_one_sdist(packagetype=dist.packagetype, release_has_sdist=bool(release and release.has_sdist))
            journal, events = [], []
            if release is None:
                release = Release.objects.create(
                    project=project,
                    version=str(file_metadata.version),
                    canonical_version=canonicalize_version(file_metadata.version),
                    metadata=dict(file_raw),
                    summary=file_metadata.summary or "",
                    requires_python=str(file_metadata.requires_python or ""),
                    description=file_metadata.description or "",
                    description_content_type=file_metadata.description_content_type or "",
                    description_html=description_html,
                    uploader=user,
                )
                journal.append(f"new release {release.version}")
                events.append({"tag": EventTag.PROJECT_RELEASE_ADD, "details": {"version": release.version}})
            file = File.objects.create(
                release=release,
                filename=filename,
                packagetype=dist.packagetype,
                python_version=form.form_value(fields, "pyversion") or dist.python_tag,
                size=digest.size,
                sha256_digest=digest.sha256,
                blake2_256_digest=digest.blake2_256,
                md5_digest=digest.md5,
                path=path,
                uploaded_by=user,
                token_identifier=token_identifier,
                metadata_sha256=storage.sha256_hex(metadata_bytes) if metadata_bytes is not None else "",
            )
            FilenameRegistry.objects.create(filename=filename)
            # The provenance policy as it stands under the lock, and the verified attestations written with the file.
            provenance.upload_record(request=request, plan=provenance_plan, project=project, file=file, user=user)
            if not dist.pep625:
                notices.legacy_sdist_filename_notice(user=user, project=project, release=release, filename=filename)
            journal.append(f"add {dist.packagetype} file {filename}")
            events.append({"tag": EventTag.FILE_ADD, "details": {"filename": filename, "version": release.version}})
            services.journal_record_many(project=project, actions=journal, user=user, size_change=digest.size)
            record_events(
                {
                    "tag": event["tag"],
                    "request": request,
                    "user": user,
                    "project_name": project.normalized_name,
                    "details": {**event["details"], **uploaded_by},
                }
                for event in events
            )
            # Bytes last, so a failed row costs no write; the rollback below removes them.
            # Each name is noted before its write, so a write that fails half-way is removed too.
            stored.append(path)
            storage.store(path=path, content=content)
            if metadata_bytes is not None:
                stored.append(storage.metadata_path(path))
                storage.store_bytes(path=storage.metadata_path(path), data=metadata_bytes)
    except BaseException:
        for name_written in stored:
            storage.delete_one(name_written)
        raise
    return UploadResult(file=file, created=True)
