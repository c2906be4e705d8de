"""An invitation to work on a project. Roles themselves are `packages.models.ProjectRole`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RoleInvitation(models.Model):
    """An Owner's offer of a role to another user, accepted or declined by that user through a mailed link."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    project = models.ForeignKey("packages.Project", on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_invitations")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    responded = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # At most one open invitation per person and project, whatever requests race.
            models.UniqueConstraint(
                fields=["project", "invitee"], condition=Q(status="pending"), name="packages_one_pending_invitation"
            ),
        ]

    def __str__(self):
        return f"{self.invitee} invited to {self.project} as {self.role} ({self.status})"

    @property
    def is_expired(self):
        return timezone.now() >= self.expires
