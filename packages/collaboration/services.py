"""Writes about who works on a project: invitations and roles.

A project's people are one kind of membership (accounts.membership): this
module describes the kind (its wording, tags, who is told and who may act) and
the mechanism does the rest. Every change locks the project row first, so the
rules that count Owners ("the last Owner can neither leave, be removed nor be
demoted") hold however many requests arrive at once; invitation rows are
locked before they change state, so a link works once. Each change records
its event (on the project, and in the affected person's own history through
`target_user`) and mails everyone who works on the project after the change
commits.
"""

from django.utils.translation import gettext_lazy

from accounts.events import record_event
from accounts.invitations import InvitationKind
from accounts.membership import MembershipKind, MembershipTags, MembershipWording

from ..events import EventTag
from ..errors import InvalidAction, NotAllowed
from ..models import ProjectRole, RoleInvitation
from .notify import notify_collaborators
from .selectors import require_owner


class InvitationLinkError(InvalidAction):
    """An invitation link that cannot be used: tampered, expired, used, revoked or someone else's."""


INVITATIONS = InvitationKind(
    model=RoleInvitation,
    target="project",
    salt="packages.collaboration.invitation",
    respond_url="packages:invitation-respond",
    link_error=InvitationLinkError,
    refused=InvalidAction,
    gone_message=gettext_lazy("This invitation no longer exists: the project or the invitation was removed."),
)


def _record(tag, *, request, actor, place, target, **details):
    """The event of a change to `target`'s place on the project, in the project's and `target`'s histories."""
    record_event(
        tag=tag,
        request=request,
        user=actor,
        target_user=target,
        project_name=place.normalized_name,
        details={"target_user": target.username, **details},
    )


PROJECT_MEMBERS = MembershipKind(
    role_model=ProjectRole,
    place="project",
    invitations=INVITATIONS,
    refused=InvalidAction,
    not_allowed=NotAllowed,
    words=MembershipWording(
        unknown_role=gettext_lazy("Unknown role '%(role)s': choose Owner or Maintainer."),
        already_in=gettext_lazy("%(username)s already works on %(project)s."),
        you_already_in=gettext_lazy("You already work on %(project)s."),
        not_in=gettext_lazy("%(username)s does not work on %(project)s."),
        you_not_in=gettext_lazy("You do not work on %(project)s."),
        already_role=gettext_lazy("%(username)s is already %(role)s of %(project)s."),
        invited=(
            gettext_lazy("%(username)s invited to %(project)s"),
            gettext_lazy("%(actor)s invited %(username)s to work on %(project)s as %(role)s."),
        ),
        joined=(
            gettext_lazy("%(username)s joined %(project)s"),
            gettext_lazy("%(username)s accepted the invitation and now works on %(project)s as %(role)s."),
        ),
        declined=(
            gettext_lazy("%(username)s declined to join %(project)s"),
            gettext_lazy("%(username)s declined the invitation to work on %(project)s as %(role)s."),
        ),
        revoked=(
            gettext_lazy("Invitation of %(username)s to %(project)s revoked"),
            gettext_lazy("%(actor)s revoked the invitation of %(username)s to work on %(project)s."),
        ),
        changed=(
            gettext_lazy("%(username)s is now %(role)s of %(project)s"),
            gettext_lazy("%(actor)s changed the role of %(username)s on %(project)s from %(previous)s to %(role)s."),
        ),
        gone=gettext_lazy("%(username)s no longer works on %(project)s"),
        left=gettext_lazy("%(username)s left %(project)s (was %(role)s)."),
        removed=gettext_lazy("%(user)s removed %(username)s (%(role)s) from %(project)s."),
        added=(
            gettext_lazy("%(username)s added to %(project)s"),
            gettext_lazy("%(username)s gave %(username2)s the role %(role)s on %(project)s."),
        ),
    ),
    tags=MembershipTags(
        invite=EventTag.PROJECT_ROLE_INVITE,
        accept=EventTag.PROJECT_ROLE_INVITE_ACCEPT,
        decline=EventTag.PROJECT_ROLE_INVITE_DECLINE,
        revoke=EventTag.PROJECT_ROLE_INVITE_REVOKE,
        add=EventTag.PROJECT_ROLE_ADD,
        change=EventTag.PROJECT_ROLE_CHANGE,
        remove=EventTag.PROJECT_ROLE_REMOVE,
    ),
    record=_record,
    # Everyone who works on the project is told, the person concerned among them (and whoever just left).
    notify=lambda project, **notice: notify_collaborators(project=project, **notice),
    require_owner=lambda *, user, place, doing: require_owner(user=user, project=place),
    invitation_mail="packages/mail/invitation",
    mail_context=lambda project: {"project_name": project.name},
    # An organisation's project stays managed by the organisation's Owners when its own last Owner goes.
    owners_besides=lambda project: 1 if project.organization_id else 0,
)

invitation_link = INVITATIONS.link
invitation_from_link = INVITATIONS.from_link  # (token=, user=) -> the pending invitation, or InvitationLinkError
invitation_create = PROJECT_MEMBERS.invite  # (actor=, project=, role=, invitee= or who=)
invitation_accept = PROJECT_MEMBERS.accept  # (user=, invitation=)
invitation_decline = PROJECT_MEMBERS.decline  # (user=, invitation=)
invitation_revoke = PROJECT_MEMBERS.revoke  # (actor=, invitation=)
role_add = PROJECT_MEMBERS.add  # (project=, user=, role=, actor=): staff, and the first Owner
role_change = PROJECT_MEMBERS.change  # (actor=, project=, user=, role=)
# (actor=, project=, user=): their tokens stop working on the project at once (every upload checks for a role)
role_remove = PROJECT_MEMBERS.remove
