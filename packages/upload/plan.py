"""The upload's checks, in REFERENCE §1's order, as one pure step: they read, write nothing, and return a plan.

`plan_upload` runs every check on the form, the uploader, the file and its archive, with what the
database knows read in one statement (statements.before_lock), and returns either an UploadPlan (what
the writer will create, for whom, with which rendered description) or, for a file already uploaded
with the same bytes, the UploadResult to answer at once. The writer (service) takes the project's
lock and checks again only what can have changed meanwhile.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from packaging.utils import canonicalize_name, canonicalize_version

from mfa.selectors import user_upload_standing
from tokens.publishing import selectors as publishing

from ..models import File, FilenameRegistry, Project
from ..naming.policy import new_project_name_check
from ..provenance import upload as provenance
from .. import storage
from . import description, statements
from .checks import archives, files, form, metadata, permissions, publishers


@dataclass(frozen=True)
class UploadResult:
    file: File
    created: bool  # False: the identical file was already there and nothing changed


@dataclass(frozen=True)
class UploadPlan:
    """What one upload will write, once every check has passed; the writer takes it as it is."""

    # Who: the person (None for an organisation's token or a publisher's), the token, the trusted
    # publisher behind it, and who a new project is created for.
    user: object
    token: object
    publisher: object
    name: str  # as the uploader spells it
    normalized_name: str
    project: Project | None  # as read before the lock; None: the upload creates it
    release: object  # the release the file joins as read before the lock, or None: a new one
    # What: the file and its rows' values.
    dist: object  # files.parse_dist_filename's answer
    filename: str
    content: object
    digest: object  # storage.StreamDigest
    python_version: str
    file_raw: dict  # the file's core metadata, raw (the release's `metadata`)
    file_metadata: object  # and parsed
    description_html: str
    metadata_bytes: bytes | None  # PEP 658 core metadata to store beside the file (wheels only)
    # PEP 740: the attestations verified (provenance.upload.ProvenancePlan), or None, for the writer to
    # write with the file once the policy is applied again under the lock.
    provenance: object = None

    @property
    def token_identifier(self):
        return getattr(self.token, "identifier", "") or ""

    @property
    def organization(self):
        return getattr(self.token, "organization", None)

    @property
    def creator(self):
        """Who a new project is created for: a pending publisher's registrant, or the person uploading."""
        return self.publisher.registrant if self.publisher is not None else self.user

    @property
    def is_sdist(self):
        return self.dist.packagetype == File.PackageType.SDIST


def upload_limit_for(project):
    return (project.upload_limit if project and project.upload_limit else None) or settings.FILE_UPLOAD_LIMIT


def total_limit_for(project):
    return (project.total_size_limit if project and project.total_size_limit else None) or settings.PROJECT_SIZE_LIMIT


def plan_upload(*, request=None, user, token, data, content):
    """The UploadPlan of one distribution file as the legacy API receives it, or UploadResult(created=False).

    Runs the checks of REFERENCE §1 in order; raises InvalidUpload (400) or UploadForbidden (403).
    Writes nothing.
    """
    fields = form.clean_form(data)
    form.check_action(fields)
    form.check_protocol_version(fields)
    form_metadata = metadata.check_metadata(form.raw_metadata_from_form(fields))
    form.check_content_present(content)
    filetype = form.check_filetype(fields)

    name, version = form_metadata.name, form_metadata.version
    normalized = canonicalize_name(name)
    organization_id = getattr(token, "organization_id", None)
    person = user if user is not None and getattr(user, "is_authenticated", False) and user.pk is not None else None
    found = statements.before_lock(
        user_id=person.pk if person is not None else None,
        name=name,
        normalized_name=normalized,
        canonical_version=canonicalize_version(version),
        sdist=filetype == "sdist",
        filename=content.name,
        digest=getattr(content, "digest", None),
    )
    project = found.project
    if project is None:
        new_project_name_check(name, organization_id=organization_id, facts=found.names)

    permissions.check_token_may_upload(token)
    permissions.check_token_scope(token, normalized_name=normalized)
    publisher = check_permission(
        user=user, token=token, project=project, normalized_name=normalized, may_upload=found.may_upload
    )
    if publisher is None and organization_id is None:
        # A person uploads: PyPI's rules for them. (A publisher or an organisation has no person to check.)
        verified, two_factor = (found.verified, found.two_factor) if person is not None else user_upload_standing(user)
        permissions.check_verified_email(user=user, verified=verified)
        permissions.check_two_factor(user=user, enabled=two_factor)

    # The release this file joins, if it exists: its description was rendered when it was created,
    # so the further files of a release (the same README) are not rendered again.
    release = found.release
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
        limit=total_limit_for(project),
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

    if found.taken is not False:  # read with the rest when the digest was known; asked here otherwise
        existing = filename_check(filename=filename, digest=digest)
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
    return UploadPlan(
        user=user,
        token=token,
        publisher=publisher,
        name=name,
        normalized_name=normalized,
        project=project,
        release=release,
        dist=dist,
        filename=filename,
        content=content,
        digest=digest,
        python_version=form.form_value(fields, "pyversion") or dist.python_tag,
        file_raw=file_raw,
        file_metadata=file_metadata,
        description_html=description_html,
        # PEP 658 core metadata only for wheels: an sdist's PKG-INFO may
        # differ from what building it produces.
        metadata_bytes=metadata_bytes if dist.packagetype == File.PackageType.WHEEL else None,
        provenance=provenance_plan,
    )


def check_permission(*, user, token, project, normalized_name, may_upload):
    """Whether this token may upload to `project` (None: a new one); returns the trusted publisher behind it, if any.

    `may_upload`: the person's effective role on the project, as read (statements.before_lock or under_lock).
    Run on the read before the lock, and again on the one under it, where a role removed or a
    quarantine entered in between is seen.
    """
    publisher = None
    if token is not None and token.is_from_publisher:
        publisher = publishing.token_publisher(token=token, project_name=normalized_name)
        publishers.check_publisher(publisher, project_exists=project is not None, project_name=normalized_name)
    elif project is not None:
        organization_id = getattr(token, "organization_id", None)
        # An organisation's token uploads to its organisation's projects (collaboration.selectors.token_can_upload).
        has_role = project.organization_id == organization_id if organization_id is not None else may_upload
        permissions.check_role(user=user, token=token, project_name=project.name, has_role=has_role)
    if project is not None:
        permissions.check_project_accepts_uploads(project)
    return publisher


def filename_check(*, filename, digest):
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
