"""Password-reset links: Django's signed, expiring tokens, bound to the account's primary address too."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from .models import Email


class AccountPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """A link dies when the password changes or a login happens (Django's own hash value), and when the
    primary address changes: a link mailed to an address the account no longer uses is worth nothing."""

    def _make_hash_value(self, user, timestamp):
        primary = Email.objects.filter(user=user, primary=True).values_list("email", flat=True).first() or ""
        return f"{super()._make_hash_value(user, timestamp)}|{primary.lower()}"


password_reset_token = AccountPasswordResetTokenGenerator()
