"""The fields every kind of invitation has (accounts.invitations reads them), as an abstract model.

A concrete invitation adds its foreign key to what the person is invited to,
its `invitee` (with its own related name), its `role` (with its roles as
choices) and its constraint of one pending invitation per person there.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class Invitation(models.Model):
    invited_to = None  # the name of the concrete model's foreign key to what the person is invited to

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        DECLINED = "declined", gettext_lazy("Declined")
        REVOKED = "revoked", gettext_lazy("Revoked")
        EXPIRED = "expired", gettext_lazy("Expired")

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    responded = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.invitee} invited to {getattr(self, self.invited_to)} as {self.role} ({self.status})"

    @property
    def is_expired(self):
        return timezone.now() >= self.expires
