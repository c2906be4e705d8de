"""What is kept of a file's provenance: the verified attestations and who signed them."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class FileProvenance(models.Model):
    """The PEP 740 provenance of one file, written with the file under the project's lock and never changed.

    `document` is the provenance object the Integrity API serves (the publisher and
    its attestation bundle); the other columns are what the pages show.
    """

    file = models.OneToOneField("packages.File", on_delete=models.CASCADE, related_name="provenance")
    # The trusted publisher whose token uploaded the file (kept as text too: a publisher may be removed later).
    publisher = models.ForeignKey(
        "tokens.TrustedPublisher", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, help_text=gettext_lazy("GitHub or GitLab."))
    repository = models.CharField(max_length=255)
    workflow = models.CharField(max_length=255)
    environment = models.CharField(max_length=255, blank=True)
    commit = models.CharField(max_length=64, blank=True, help_text=gettext_lazy("The commit the signing workflow ran on."))
    predicate_types = models.JSONField(default=list)
    document = models.JSONField(help_text=gettext_lazy("The PEP 740 provenance object."))
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("file provenance")
        verbose_name_plural = gettext_lazy("file provenances")

    def __str__(self):
        return f"{self.repository} / {self.workflow}"

    @property
    def commit_url(self):
        """The signing commit on its forge, or "" (no commit recorded)."""
        if not self.commit:
            return ""
        if self.kind == "gitlab":
            return f"https://gitlab.com/{self.repository}/-/commit/{self.commit}"
        return f"https://github.com/{self.repository}/commit/{self.commit}"
