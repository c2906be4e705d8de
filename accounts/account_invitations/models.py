from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class AccountInvitation(models.Model):
    """A staff member's invitation to create an account with `email`; `accepted` once it made `user`."""

    email = models.EmailField(gettext_lazy("email address"), max_length=254)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    accepted = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.email

    def is_expired(self, now=None):
        return self.expires <= (now or timezone.now())
