"""Errors of the organizations app. Each carries the exact message the person acting sees."""


class OrganizationError(Exception):
    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotAllowed(OrganizationError):
    """An action the person's role in the organisation does not allow."""

    status = 403


class InvalidAction(OrganizationError):
    """An action that cannot be done in the current state."""

    status = 400


class InvitationLinkError(InvalidAction):
    """An invitation link that cannot be used: tampered, expired, used, revoked or someone else's."""
