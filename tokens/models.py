"""API tokens: upload credentials whose secret the database never holds.

A token string is ``<API_TOKEN_PREFIX><identifier>_<secret>``:

- the prefix (``pypi-`` by default) lets secret scanners recognise a leaked token;
- the identifier is public (16 hex characters): it is shown in lists, recorded
  in events and files, and used to find the row;
- the secret is 32 random bytes from ``secrets``, URL-safe base64 (43 chars).

The row keeps only ``digest`` = HMAC-SHA256 of identifier and secret under a key
derived from SECRET_KEY. A stolen database therefore yields no usable token and
no key from which one could be minted; verifying is one indexed lookup plus a
constant-time compare (see tokens/services.py, ``token_authenticate``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy


class APIToken(models.Model):
    class RevokeReason(models.TextChoices):
        OWNER = "owner", gettext_lazy("Revoked by its owner")
        ROTATED = "rotated", gettext_lazy("Replaced by a new secret (rotated)")
        LEAKED = "leaked", gettext_lazy("Found in public by a secret scanner")
        SELF = "self", gettext_lazy("Revoked by a holder of the token")
        STAFF = "staff", gettext_lazy("Revoked by staff")

    # A token belongs to a person, or to an organisation (then it survives any member leaving),
    # or, with neither, to a trusted publisher (tokens/publishing) that minted it for a CI workflow.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=100)
    identifier = models.CharField(max_length=16, unique=True, help_text=gettext_lazy("Public part of the token."))
    digest = models.CharField(max_length=64, help_text=gettext_lazy("HMAC-SHA256 of the secret part; never the secret."))
    # Scope. Account-wide (for an organisation's token: all its projects, present
    # and future), or the PEP 503 normalized names in `projects` (which
    # may name a project that does not exist yet). An empty list with
    # account_wide=False allows nothing: a lost scope fails closed.
    account_wide = models.BooleanField(default=False)
    projects = models.JSONField(default=list, blank=True)
    # What the token may do within its scope. Uploading implies reading the projects
    # in scope (uploaders probe for files already there); a read token only installs.
    can_upload = models.BooleanField(default=True)
    can_read = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # Revoked tokens stay for the record; their names may be reused.
            models.UniqueConstraint(
                fields=["owner", "name"], condition=Q(revoked__isnull=True), name="tokens_name_unique_per_owner"
            ),
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=Q(revoked__isnull=True),
                name="tokens_name_unique_per_organization",
            ),
            models.CheckConstraint(
                condition=~Q(owner__isnull=False, organization__isnull=False),
                name="tokens_at_most_one_holder",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.identifier})"

    @property
    def is_account_wide(self):
        """True when the token may upload to every project its owner has a role on."""
        return self.account_wide

    def scope_allows(self, normalized_project_name):
        """Whether this token's scope covers the project `normalized_project_name`.

        Only the token's own scope: the caller must still check that the owner
        may upload to the project (a role on it, or the name is free and may be
        created), that 2FA is on, and so on. The name must already be normalized
        with ``packaging.utils.canonicalize_name``. A token scoped to a name that
        does not exist yet may create that project, and only that one.
        """
        if self.account_wide:
            return True
        return normalized_project_name in self.projects

    def scope_allows_read(self, normalized_project_name):
        """Whether this token may read (install from) the project: a read or an upload token whose scope
        covers it. Only the token's own scope: its holder must still be allowed to read the project."""
        return (self.can_read or self.can_upload) and self.scope_allows(normalized_project_name)

    @property
    def is_from_publisher(self):
        """True for a token a trusted publisher minted (see tokens.publishing.selectors.token_publisher)."""
        return self.owner_id is None and self.organization_id is None

    @property
    def is_revoked(self):
        return self.revoked is not None

    def is_expired(self, now=None):
        return self.expires is not None and self.expires <= (now or timezone.now())

    @property
    def is_active(self):
        return not self.is_revoked and not self.is_expired()

    @property
    def permissions(self):
        """What the token may do, as the words stored in events: ``["read"]``, ``["upload"]`` or both."""
        return [word for word, allowed in (("read", self.can_read), ("upload", self.can_upload)) if allowed]

    @property
    def permissions_display(self):
        """What the token may do, in words for people."""
        if self.can_read and self.can_upload:
            return gettext("Read (install) and upload")
        if self.can_read:
            return gettext("Read (install)")
        if self.can_upload:
            return gettext("Upload")
        return gettext("Nothing")

    @property
    def scope_display(self):
        if self.account_wide and self.organization_id is not None:
            return gettext("All projects of the organisation, present and future")
        if self.account_wide:
            return gettext("Entire account (all projects)")
        if not self.projects:
            return gettext("Nothing")
        return gettext("Projects: %(projects)s") % {"projects": ", ".join(self.projects)}


# Trusted publishing's models belong to this app (tokens/publishing/models.py).
from .publishing.models import OIDCIssuer, TrustedPublisher, UsedJWTIdentifier  # noqa: E402, F401
