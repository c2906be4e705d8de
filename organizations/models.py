"""Organisations: a group that owns projects, its people (roles), their invitations and its teams.

This app knows accounts only. Which projects an organisation owns, and what a
team may do on them, is written down by packages (`Project.organization`,
`TeamProjectRole`), so nothing here needs to know what a project is.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.invitation_model import Invitation
from accounts.models import username_validator


class Organization(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting for staff approval")
        ACTIVE = "active", gettext_lazy("Active")
        DECLINED = "declined", gettext_lazy("Declined by staff")

    # Same characters as a username, unique whatever the letter case.
    name = models.CharField(max_length=50, unique=True, validators=[username_validator])
    display_name = models.CharField(max_length=100)
    url = models.URLField("URL", max_length=400, blank=True)
    description = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    # Policy: managing the organisation's projects needs a WebAuthn security key.
    require_security_key = models.BooleanField(default=False)
    # Reading (private packages): every member may read every project of the organisation,
    # private ones included; and the organisation's new projects start private.
    members_read_all = models.BooleanField(
        gettext_lazy("Members may read all our projects"), default=False
    )
    private_by_default = models.BooleanField(gettext_lazy("New projects are private"), default=False)
    # Policy: every new file of every project of the organisation must carry a verified attestation
    # from one of that project's trusted publishers (enforced by the upload, in packages).
    provenance_required = models.BooleanField(gettext_lazy("Uploads need verified provenance"), default=False)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="organizations_name_ci_unique")]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class OrganizationRole(models.Model):
    class Role(models.TextChoices):
        OWNER = "Owner", gettext_lazy("Owner")
        MANAGER = "Manager", gettext_lazy("Manager")
        MEMBER = "Member", gettext_lazy("Member")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    # The member chose to appear on the organisation's public page.
    is_public = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="organizations_role_unique")]

    def __str__(self):
        return f"{self.user} is {self.role} of {self.organization}"


class OrganizationInvitation(Invitation):
    """An Owner's offer of a role in the organisation, answered by the invitee through a mailed link."""

    invited_to = "organization"
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_invitations"
    )
    role = models.CharField(max_length=20, choices=OrganizationRole.Role.choices)

    class Meta(Invitation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invitee"],
                condition=Q(status="pending"),
                name="organizations_one_pending_invitation",
            ),
        ]


class Team(models.Model):
    """A named group of the organisation's members, given roles on its projects."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=50)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="organizations_team_name_ci_unique"),
        ]

    def __str__(self):
        return f"{self.organization}/{self.name}"


class TeamMember(models.Model):
    """A member in a team. Tied to the organisation role: a person who leaves leaves every team with it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(OrganizationRole, on_delete=models.CASCADE, related_name="teams")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "member"], name="organizations_team_member_unique")]

    def __str__(self):
        return f"{self.member.user} in {self.team}"


class NameReservation(models.Model):
    """A project name, or a prefix of names, that only this organisation may create here, and that this
    index never fetches from an upstream index (dependency confusion: packages/upstream/names.py).

    `name` is normalized (PEP 503); with `prefix`, every name that starts with it is reserved, so `acme-`
    covers acme-tools, acme_tools and acme.tools alike.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="reservations")
    name = models.CharField(max_length=255)
    prefix = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "prefix"], name="organizations_reservation_unique")]

    def __str__(self):
        return f"{self.name}*" if self.prefix else self.name

    def covers(self, normalized_name):
        return normalized_name.startswith(self.name) if self.prefix else normalized_name == self.name
