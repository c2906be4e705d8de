class AccountError(Exception):
    """A refused account action; str(error) is the message shown to the user."""


class EmailVerificationError(AccountError):
    pass


class InvitationLinkError(AccountError):
    """An invitation to create an account that cannot be used (invalid, expired, used)."""
