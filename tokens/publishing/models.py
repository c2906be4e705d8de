"""Trusted publishers, the OIDC issuers staff register, and the JWT ids already spent."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .issuer_url import IssuerURLError, issuer_url_checked

PENDING_LIFETIME = timedelta(days=30)


class OIDCIssuer(models.Model):
    """An OIDC issuer besides GitHub and GitLab.com that publishers may name (GHES, GitLab self-managed, Forgejo …)."""

    name = models.CharField(max_length=100, unique=True, help_text=gettext_lazy("Shown to users, e.g. “GitLab at git.example.org”."))
    url = models.CharField(
        "issuer URL",
        max_length=255,
        unique=True,
        help_text=gettext_lazy("The `iss` claim of its tokens, exactly. https:// (http:// only on a loopback host)."),
    )
    description = models.TextField(
        blank=True,
        help_text=gettext_lazy("Shown when adding a publisher: what this issuer's `sub` claim looks like and which claims to pin."),
    )
    enabled = models.BooleanField(default=True, help_text=gettext_lazy("Off: its tokens are refused with `not-enabled`."))
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy("OIDC issuer")

    def __str__(self):
        return self.name

    def clean(self):
        try:
            self.url = issuer_url_checked(self.url)
        except IssuerURLError as error:
            raise ValidationError({"url": str(error)}) from None


class TrustedPublisher(models.Model):
    """A CI workflow allowed to publish one project, or to create it (``pending``).

    The columns used depend on ``kind``: GitHub uses the repository owner and
    name, GitLab the namespace and project; both use ``workflow`` (GitHub: the
    file name under .github/workflows/, GitLab: the path of the CI file) and
    an optional ``environment``. A custom issuer's publisher pins ``subject``
    (the `sub` claim) and any other ``claims`` exactly.
    """

    class Kind(models.TextChoices):
        GITHUB = "github", gettext_lazy("GitHub Actions")
        GITLAB = "gitlab", gettext_lazy("GitLab CI/CD")
        CUSTOM = "custom", gettext_lazy("Other OIDC issuer")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    project_name = models.CharField(max_length=255, db_index=True, help_text=gettext_lazy("PEP 503 normalized project name."))
    pending = models.BooleanField(
        default=False, help_text=gettext_lazy("For a project that does not exist yet; its first publish creates it.")
    )
    # Who added it; for a pending publisher, the Owner of the project it creates.
    registrant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="trusted_publishers"
    )
    created = models.DateTimeField(default=timezone.now)
    # GitHub: owner/repository; GitLab: namespace/project.
    repository_owner = models.CharField(max_length=255, blank=True)
    repository_owner_id = models.CharField(
        max_length=64, blank=True, help_text=gettext_lazy("GitHub's numeric owner id; learnt from the first token when not given.")
    )
    repository_name = models.CharField(max_length=255, blank=True)
    workflow = models.CharField(max_length=255, blank=True)
    environment = models.CharField(max_length=255, blank=True)
    # A staff-registered issuer's publisher.
    issuer = models.ForeignKey(OIDCIssuer, null=True, blank=True, on_delete=models.PROTECT, related_name="publishers")
    subject = models.CharField(max_length=512, blank=True)
    claims = models.JSONField(default=dict, blank=True, help_text=gettext_lazy("Further claims that must match exactly."))
    # What makes two publishers the same (kinds.identity); one per project.
    identity = models.CharField(max_length=1024, editable=False)
    # The identity without environment or pinned claims (kinds.workflow_key): one pending publisher per workflow.
    workflow_key = models.CharField(max_length=1024, editable=False, default="")
    # The tokens it minted (15 minutes each): the upload path asks which publisher stands behind a token.
    minted_tokens = models.ManyToManyField("tokens.APIToken", blank=True, related_name="publishers")

    class Meta:
        ordering = ["project_name", "created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project_name", "identity"], name="tokens_publisher_unique_per_project"),
            # A pending publisher cannot capture a name or a workflow another pending publisher holds:
            # one per project name, and one per workflow whatever its environment.
            models.UniqueConstraint(
                fields=["project_name"], condition=models.Q(pending=True), name="tokens_pending_publisher_one_per_name"
            ),
            models.UniqueConstraint(
                fields=["workflow_key"], condition=models.Q(pending=True), name="tokens_pending_publisher_one_per_workflow"
            ),
        ]

    # Each kind's name in a publisher's description (kinds.py's `label`).
    KIND_LABELS = {Kind.GITHUB: "GitHub Actions", Kind.GITLAB: "GitLab CI/CD", Kind.CUSTOM: "OIDC issuer"}

    def __str__(self):
        label = self.description
        return f"{label} (pending, for {self.project_name})" if self.pending else f"{label} for {self.project_name}"

    @property
    def description(self):
        """One line naming the workflow, e.g. "GitHub Actions: octo/app, workflow release.yml, environment pypi"."""
        label = self.KIND_LABELS[self.kind]
        if self.kind == self.Kind.CUSTOM:
            pinned = "".join(f", {k}={v}" for k, v in sorted(self.claims.items()))
            return f"{self.issuer.name if self.issuer_id else label}: sub={self.subject}{pinned}"
        place = "workflow" if self.kind == self.Kind.GITHUB else "file"
        text = f"{label}: {self.repository_owner}/{self.repository_name}, {place} {self.workflow}"
        return text + (f", environment {self.environment}" if self.environment else "")

    def event_details(self, **extra):
        """What a security event about this publisher says of it (never a token)."""
        return {"publisher": self.description, "publisher_id": self.pk, "kind": self.kind, **extra}

    @property
    def expires(self):
        return self.created + PENDING_LIFETIME if self.pending else None

    def is_expired(self, now=None):
        return self.pending and self.created + PENDING_LIFETIME <= (now or timezone.now())


class UsedJWTIdentifier(models.Model):
    """A JWT id already exchanged: the unique constraint refuses a replay in every server process at once."""

    issuer = models.CharField(max_length=255)
    jti = models.CharField(max_length=255)
    expires = models.DateTimeField(db_index=True, help_text=gettext_lazy("After this (plus leeway) the JWT is refused anyway."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "jti"], name="tokens_jwt_used_once")]
        verbose_name = gettext_lazy("used JWT identifier")

    def __str__(self):
        return f"{self.issuer} {self.jti}"
