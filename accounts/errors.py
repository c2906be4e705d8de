class AccountError(Exception):
    """A refused account action; str(error) is the message shown to the user."""


class EmailVerificationError(AccountError):
    pass
