from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.invitation_model import Invitation

_CONFUSABLE = str.maketrans({"l": "1", "i": "1", "o": "0", ".": None, "_": None, "-": None})


def confusable_name(name):
    """Fold a project name so look-alikes compare equal: drop ._- and map l, i → 1 and o → 0."""
    return name.lower().translate(_CONFUSABLE)


class Project(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Active")
        QUARANTINED = "quarantined", gettext_lazy("Quarantined")
        ARCHIVED = "archived", gettext_lazy("Archived")

    name = models.CharField(max_length=255, help_text=gettext_lazy("The name as first uploaded."))
    normalized_name = models.CharField(max_length=255, unique=True, help_text=gettext_lazy("PEP 503 normalized name."))
    created = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    # Null: the site-wide default (settings) applies.
    upload_limit = models.BigIntegerField(null=True, blank=True, help_text=gettext_lazy("Largest file in bytes."))
    total_size_limit = models.BigIntegerField(null=True, blank=True, help_text=gettext_lazy("All files together, in bytes."))
    total_size = models.BigIntegerField(default=0)
    # Bumped by every change that clients can see; drives ETags and X-PyPI-Last-Serial.
    last_serial = models.BigIntegerField(default=0)
    # The name with look-alike characters folded (see confusable_name); a new
    # project whose folded name matches an existing one is refused, and the
    # unique constraint holds that even for two first uploads at once.
    confusable_name = models.CharField(max_length=255, editable=False, default="")
    # An Owner's choice to serve the upstream's files of the same name beside ours (packages/upstream).
    track_upstream = models.BooleanField(default=False, help_text=gettext_lazy("Also serve the upstream's files."))
    # A private project exists only for those who may read it (packages/reading).
    private = models.BooleanField(default=False, help_text=gettext_lazy("Readable only by its people."))
    # The organisation that owns the project, if any (its Owners, and its teams' roles, count on it).
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    # An Owner's policy: every new file must carry a verified attestation from one of the project's
    # trusted publishers (packages/provenance); the organisation's own switch applies as well.
    provenance_required = models.BooleanField(
        default=False, help_text=gettext_lazy("New files need a verified attestation from a trusted publisher.")
    )

    class Meta:
        ordering = ["normalized_name"]
        constraints = [models.UniqueConstraint(fields=["confusable_name"], name="packages_project_confusable_unique")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.confusable_name = confusable_name(self.name)
        super().save(*args, **kwargs)

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class ProjectRole(models.Model):
    class Role(models.TextChoices):
        OWNER = "Owner", gettext_lazy("Owner")
        MAINTAINER = "Maintainer", gettext_lazy("Maintainer")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="packages_role_unique")]

    def __str__(self):
        return f"{self.user} is {self.role} of {self.project}"


class TeamProjectRole(models.Model):
    """A team of the project's organisation with a role on the project: every team member has it."""

    team = models.ForeignKey("organizations.Team", on_delete=models.CASCADE, related_name="project_roles")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team_roles")
    role = models.CharField(max_length=20, choices=ProjectRole.Role.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "project"], name="packages_team_role_unique")]

    def __str__(self):
        return f"team {self.team} is {self.role} of {self.project}"


class Release(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=255, help_text=gettext_lazy("The version as written in the metadata."))
    canonical_version = models.CharField(max_length=255, help_text=gettext_lazy("packaging.utils.canonicalize_version"))
    metadata = models.JSONField(default=dict, help_text=gettext_lazy("The full core metadata of the first file uploaded."))
    summary = models.CharField(max_length=512, blank=True)
    requires_python = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    description_content_type = models.CharField(max_length=255, blank=True)
    description_html = models.TextField(blank=True)
    yanked = models.BooleanField(default=False)
    yanked_reason = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["project", "canonical_version"], name="packages_release_unique"),
        ]

    def __str__(self):
        return f"{self.project.name} {self.version}"


class File(models.Model):
    class PackageType(models.TextChoices):
        SDIST = "sdist", gettext_lazy("Source distribution")
        WHEEL = "bdist_wheel", gettext_lazy("Wheel")

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=255, unique=True)
    packagetype = models.CharField(max_length=20, choices=PackageType.choices)
    python_version = models.CharField(max_length=64)
    size = models.BigIntegerField()
    sha256_digest = models.CharField(max_length=64, unique=True)
    blake2_256_digest = models.CharField(max_length=64, unique=True)
    md5_digest = models.CharField(max_length=32, blank=True)
    path = models.CharField(max_length=512, unique=True, help_text=gettext_lazy("Name in the default storage."))
    upload_time = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    token_identifier = models.CharField(max_length=64, blank=True, help_text=gettext_lazy("Public id of the token used."))
    # PEP 658: the METADATA file, stored at `path + ".metadata"`, and its digest.
    metadata_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["filename"]

    def __str__(self):
        return self.filename


class FilenameRegistry(models.Model):
    """Every filename ever uploaded; a name once used is never accepted again."""

    filename = models.CharField(max_length=255, unique=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.filename


class ProhibitedProjectName(models.Model):
    name = models.CharField(max_length=255, unique=True, help_text=gettext_lazy("Normalized project name."))
    comment = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    prohibited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self):
        return self.name


class JournalEntry(models.Model):
    """One change that installers can see; its id is the index's "serial".

    Every such write creates one entry and sets `Project.last_serial` to its id
    in the same transaction (see packages.services.journal_record).
    """

    project_name = models.CharField(max_length=255, db_index=True, help_text=gettext_lazy("Normalized project name."))
    action = models.TextField()
    time = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "journal entries"

    def __str__(self):
        return f"{self.id} {self.project_name}: {self.action}"


class RoleInvitation(Invitation):
    """An Owner's offer of a role to another user, accepted or declined by that user through a mailed link."""

    invited_to = "project"
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_invitations")
    role = models.CharField(max_length=20, choices=ProjectRole.Role.choices)

    class Meta(Invitation.Meta):
        constraints = [
            # At most one open invitation per person and project, whatever requests race.
            models.UniqueConstraint(
                fields=["project", "invitee"], condition=Q(status="pending"), name="packages_one_pending_invitation"
            ),
        ]


class DeprecationNotice(models.Model):
    """An upload that used a deprecated form, remembered so its uploader is told once.

    One row per project, release and kind: the unique constraint is what makes
    "once" hold when two uploads of the same release arrive together.
    """

    class Kind(models.TextChoices):
        SDIST_FILENAME = "sdist-filename", gettext_lazy("Source distribution filename not in the PEP 625 form")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deprecation_notices")
    canonical_version = models.CharField(max_length=255)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "canonical_version", "kind"], name="packages_deprecation_notice_once"
            ),
        ]

    def __str__(self):
        return f"{self.kind}: {self.filename}"


# What is kept of the upstream index (packages/upstream).
from .upstream.models import UpstreamBlock, UpstreamFile, UpstreamProject  # noqa: E402, F401
# Attestations verified on upload (packages/provenance).
from .provenance.models import FileProvenance  # noqa: E402, F401
