"""What this index keeps of the upstream: each project's last file list, and the files fetched."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class UpstreamProject(models.Model):
    """The last copy of an upstream project's file list (`files`: the checked entries, see pages.py)."""

    normalized_name = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255)
    files = models.JSONField(default=list, blank=True)
    versions = models.JSONField(default=list, blank=True)
    fetched = models.DateTimeField(default=timezone.now, help_text=gettext_lazy("When the upstream last answered."))
    checked = models.DateTimeField(default=timezone.now, help_text=gettext_lazy("When the upstream was last asked."))
    etag = models.CharField(max_length=512, blank=True)
    last_modified = models.CharField(max_length=128, blank=True)
    # The upstream answered 404: the name is remembered as missing until the copy expires.
    missing = models.BooleanField(default=False)

    class Meta:
        ordering = ["normalized_name"]

    def __str__(self):
        return self.name


class UpstreamFile(models.Model):
    """A file of an upstream project, known from its page; `path` once its bytes are stored here."""

    project = models.ForeignKey(UpstreamProject, on_delete=models.CASCADE, related_name="stored_files")
    filename = models.CharField(max_length=255)
    sha256_digest = models.CharField(max_length=64)
    url = models.URLField(max_length=2048, help_text=gettext_lazy("Where the upstream serves it."))
    path = models.CharField(max_length=512, blank=True, help_text=gettext_lazy("Name in the default storage."))
    size = models.BigIntegerField(null=True, blank=True)
    metadata_sha256 = models.CharField(max_length=64, blank=True)
    metadata_path = models.CharField(max_length=520, blank=True)
    stored = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "sha256_digest"], name="packages_upstream_file_unique"),
        ]

    def __str__(self):
        return self.filename


class UpstreamBlock(models.Model):
    """Staff keep an upstream project, or one of its versions, out of this index (malware, legal)."""

    normalized_name = models.CharField(max_length=255, db_index=True)
    version = models.CharField(
        max_length=255, blank=True, help_text=gettext_lazy("Empty: every version. Otherwise one version, as the upstream writes it.")
    )
    reason = models.CharField(max_length=500)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["normalized_name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["normalized_name", "version"], name="packages_upstream_block_unique"),
        ]

    def __str__(self):
        return f"{self.normalized_name} {self.version}".strip()
