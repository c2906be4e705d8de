"""Errors of the organizations app. Each carries the exact message the person acting sees."""

from django.utils.translation import gettext

from .models import OrganizationRole


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


def only_role_message(*, roles, organization, what):
    """ "Only an Owner of acme can create teams.": `what` is a verb phrase marked with gettext_lazy."""
    if tuple(roles) == (OrganizationRole.Role.OWNER,):
        message = gettext("Only an Owner of %(organization)s can %(what)s.")
    else:
        message = gettext("Only an Owner or a Manager of %(organization)s can %(what)s.")
    return message % {"organization": organization.name, "what": what}
