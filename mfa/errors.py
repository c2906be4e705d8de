"""Errors of the mfa app."""

from django.utils.translation import gettext


class TwoFactorError(Exception):
    """A refused two-factor action; str(error) is the message shown to the user."""


class EmailNotVerified(TwoFactorError):
    def __init__(self):
        super().__init__(
            gettext(
                "Verify your primary email address before adding two-factor authentication. "
                "You can resend the verification link from your account page."
            )
        )


class LastMethod(TwoFactorError):
    def __init__(self):
        super().__init__(
            "This is your last two-factor method, and two-factor authentication is required. "
            "Add another method before removing this one."
        )
