"""Errors of the tokens app. Their messages are shown to users and API clients as they are.

What upload clients read (an invalid or expired token) is PyPI's wording and stays
English; what only the token pages show is translated.
"""

from django.utils.translation import gettext


class TokenError(Exception):
    """A token operation was refused; `str(error)` is the message to show."""


class InvalidToken(TokenError):
    """Unknown, malformed, revoked, tampered, foreign or belonging to a frozen account."""

    def __init__(self, message="Invalid or non-existent authentication information."):
        super().__init__(message)


class RevokedToken(InvalidToken):
    """A revoked token presented with its real secret. Upload clients read the same words as for any
    invalid token; the read side (packages.reading) names the cause to whoever holds the secret."""


class ExpiredToken(TokenError):
    def __init__(self, message="The API token has expired. Create a new token on your account page."):
        super().__init__(message)


class DuplicateTokenName(TokenError):
    """The owner already has an unrevoked token with that name (a unique constraint decides)."""

    def __init__(self, name):
        super().__init__(gettext("You already have a token named '%(name)s'. Choose another name.") % {"name": name})
