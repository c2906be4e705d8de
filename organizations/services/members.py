"""Who belongs to an organisation: invitations by signed single-use link, role changes, removal and leaving.

An organisation's people are one kind of membership (accounts.membership):
this module describes the kind and the mechanism does the rest. Every change
locks the organisation's row first, so "the last Owner can neither leave, be
removed nor be demoted" holds however many requests arrive at once;
invitation rows are locked before they change state, so a link works once.
Removing someone ends their access to every organisation project in the same
transaction (their team places go with their role; packages drops their own
project roles on `member_removed`).
"""

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from accounts.invitations import INVITATION_MAX_AGE, InvitationKind  # noqa: F401 (re-exported)
from accounts.membership import CHANGE, INVITE, REMOVE, REVOKE, MembershipKind, MembershipTags, MembershipWording

from ..events import EventTag
from ..errors import InvalidAction, InvitationLinkError, NotAllowed
from ..models import OrganizationInvitation, OrganizationRole
from ..notify import notify_organization
from ..signals import member_removed
from ._common import record, require_active, require_owner

INVITATIONS = InvitationKind(
    model=OrganizationInvitation,
    target="organization",
    salt="organizations.invitation",
    respond_url="organizations:invitation-respond",
    link_error=InvitationLinkError,
    refused=InvalidAction,
    gone_message=gettext_lazy("This invitation no longer exists."),
)

# What completes "Only an Owner of acme can …" for each Owner's action.
OWNERS_DO = {
    INVITE: gettext_lazy("invite people"),
    REVOKE: gettext_lazy("revoke invitations"),
    CHANGE: gettext_lazy("change roles"),
    REMOVE: gettext_lazy("remove members"),
}


def _member_removed(*, place, user, actor, request):
    # Their team places went with their role (by cascade); packages drops their own roles on its projects.
    member_removed.send(sender=OrganizationRole, organization=place, user=user, actor=actor, request=request)


MEMBERS = MembershipKind(
    role_model=OrganizationRole,
    place="organization",
    invitations=INVITATIONS,
    refused=InvalidAction,
    not_allowed=NotAllowed,
    words=MembershipWording(
        unknown_role=gettext_lazy("Unknown role '%(role)s': choose Owner, Manager or Member."),
        already_in=gettext_lazy("%(username)s is already a member of %(organization)s."),
        you_already_in=gettext_lazy("You are already a member of %(organization)s."),
        not_in=gettext_lazy("%(username)s is not a member of %(organization)s."),
        you_not_in=gettext_lazy("You are not a member of %(organization)s."),
        already_role=gettext_lazy("%(username)s is already %(role)s of %(organization)s."),
        invited=(
            gettext_lazy("%(username)s invited to %(organization)s"),
            gettext_lazy("%(actor)s invited %(username)s to %(organization)s as %(role)s."),
        ),
        joined=(
            gettext_lazy("%(username)s joined %(organization)s"),
            gettext_lazy("%(username)s accepted the invitation and is now %(role)s of %(organization)s."),
        ),
        declined=(
            gettext_lazy("%(username)s declined to join %(organization)s"),
            gettext_lazy("%(username)s declined the invitation to %(organization)s."),
        ),
        revoked=(
            gettext_lazy("Invitation of %(username)s to %(organization)s revoked"),
            gettext_lazy("%(actor)s revoked the invitation of %(username)s."),
        ),
        changed=(
            gettext_lazy("%(username)s is now %(role)s of %(organization)s"),
            gettext_lazy("%(actor)s changed the role of %(username)s from %(previous)s to %(role)s."),
        ),
        gone=gettext_lazy("%(username)s is no longer a member of %(organization)s"),
        # These two have always been sent untranslated, with the role's value.
        left="%(username)s left %(organization)s (was %(role_name)s).",
        removed="%(user)s removed %(username)s (%(role_name)s) from %(organization)s.",
    ),
    tags=MembershipTags(
        invite=EventTag.ORGANIZATION_ROLE_INVITE,
        accept=EventTag.ORGANIZATION_ROLE_INVITE_ACCEPT,
        decline=EventTag.ORGANIZATION_ROLE_INVITE_DECLINE,
        revoke=EventTag.ORGANIZATION_ROLE_INVITE_REVOKE,
        add=EventTag.ORGANIZATION_ROLE_ADD,
        change=EventTag.ORGANIZATION_ROLE_CHANGE,
        remove=EventTag.ORGANIZATION_ROLE_REMOVE,
    ),
    record=lambda tag, *, place, **event: record(tag, organization=place, **event),
    # Owners and Managers are told; the person concerned too, whatever their role.
    notify=lambda organization, **notice: notify_organization(organization=organization, **notice),
    tells_members=frozenset({"accept", "change"}),
    require_owner=lambda *, user, place, doing: require_owner(user=user, organization=place, what=OWNERS_DO[doing]),
    require_open=require_active,
    invitation_mail="organizations/mail/invitation",
    mail_context=lambda organization: {
        "organization_name": organization.name,
        "display_name": organization.display_name,
    },
    after_remove=_member_removed,
)

invitation_link = INVITATIONS.link
invitation_from_link = INVITATIONS.from_link  # (token=, user=) -> the pending invitation, or InvitationLinkError
invitation_create = MEMBERS.invite  # (actor=, organization=, role=, invitee= or who=)
invitation_accept = MEMBERS.accept  # (user=, invitation=): a member with the invited role
invitation_decline = MEMBERS.decline  # (user=, invitation=)
invitation_revoke = MEMBERS.revoke  # (actor=, invitation=)
role_change = MEMBERS.change  # (actor=, organization=, user=, role=)
# (actor=, organization=, user=): they leave every team with their role and lose their own roles on the
# organisation's projects (signals.member_removed), in this transaction: their personal tokens stop working
# on those projects at once. Organisation tokens are the organisation's and keep working.
role_remove = MEMBERS.remove


def member_visibility_set(*, user, organization, is_public):
    """A member shows or hides their membership on the organisation's public page."""
    with transaction.atomic():
        current = OrganizationRole.objects.select_for_update().filter(organization=organization, user=user).first()
        if current is None:
            raise NotAllowed(gettext("You are not a member of %(organization)s.") % {"organization": organization.name})
        current.is_public = bool(is_public)
        current.save(update_fields=["is_public"])
    return current
