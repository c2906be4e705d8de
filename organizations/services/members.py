"""Who belongs to an organisation: invitations by signed single-use link, role changes, removal and leaving.

Every change locks the organisation's row first, so "the last Owner can
neither leave, be removed nor be demoted" holds however many requests arrive
at once; invitation rows are locked before they change state, so a link works
once. Removing someone ends their access to every organisation project in the
same transaction (their team places go with their role; packages drops their
own project roles on `member_removed`).
"""

from django.db import transaction

from accounts.events import EventTag
from accounts.invitations import INVITATION_MAX_AGE, InvitationKind  # noqa: F401 (re-exported)
from accounts.mail import send_user_mail
from accounts.selectors import user_has_verified_primary_email

from ..errors import InvalidAction, InvitationLinkError, NotAllowed
from ..models import OrganizationInvitation, OrganizationRole
from ..notify import notify_organization
from ..signals import member_removed
from ._common import locked, record, require_active, require_owner

Role = OrganizationRole.Role
Status = OrganizationInvitation.Status
ROLES = tuple(Role.values)
INVITATIONS = InvitationKind(
    model=OrganizationInvitation,
    target="organization",
    thing="organisation",
    salt="organizations.invitation",
    respond_url="organizations:invitation-respond",
    link_error=InvitationLinkError,
    refused=InvalidAction,
    gone_message="This invitation no longer exists.",
)


def _check_role_name(role):
    if role not in ROLES:
        raise InvalidAction(f"Unknown role {role!r}: choose Owner, Manager or Member.")


def _role_of(organization, user):
    return OrganizationRole.objects.filter(organization=organization, user=user).first()


def _owner_count(organization):
    return OrganizationRole.objects.filter(organization=organization, role=Role.OWNER).count()


def _last_owner_message(organization, user, doing):
    return (
        f"{user.username} is the last Owner of {organization.name} and cannot {doing}. "
        "Make someone else an Owner first."
    )


# --- invitations ---------------------------------------------------------------


invitation_link = INVITATIONS.link


def invitation_create(*, request=None, actor, organization, invitee, role):
    """An Owner invites `invitee` as `role`: a pending invitation and a mailed single-use link (7 days)."""
    _check_role_name(role)
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what="invite people")
        require_active(organization)
        if _role_of(organization, invitee) is not None:
            raise InvalidAction(f"{invitee.username} is already a member of {organization.name}.")
        if not user_has_verified_primary_email(invitee):
            raise InvalidAction(
                f"{invitee.username} has no verified primary email address, so no invitation can reach them."
            )
        invitation = INVITATIONS.open(target=organization, invitee=invitee, inviter=actor, role=role)
        record(
            EventTag.ORGANIZATION_ROLE_INVITE,
            request=request,
            actor=actor,
            organization=organization,
            target=invitee,
            role_name=role,
        )
        context = {
            "organization_name": organization.name,
            "display_name": organization.display_name,
            "inviter": actor.username,
            "role": role,
            "link": invitation_link(invitation),
            "expires": invitation.expires,
        }
        transaction.on_commit(
            lambda: send_user_mail(user=invitee, template="organizations/mail/invitation", context=context)
        )
        notify_organization(
            organization=organization,
            subject=f"{invitee.username} invited to {organization.name}",
            message=f"{actor.username} invited {invitee.username} to {organization.name} as {role}.",
        )
    return invitation


def invitation_from_link(*, token, user):
    """The pending invitation the link `token` stands for, if it is `user`'s; InvitationLinkError otherwise."""
    return INVITATIONS.from_link(token=token, user=user)


def invitation_accept(*, request=None, user, invitation):
    """`user` accepts and becomes a member with the invited role. Works once."""
    with transaction.atomic():
        organization = locked(invitation.organization)
        invitation = INVITATIONS.answer(invitation, user=user, status=Status.ACCEPTED)
        if _role_of(organization, user) is not None:
            raise InvalidAction(f"You are already a member of {organization.name}.")
        OrganizationRole.objects.create(organization=organization, user=user, role=invitation.role)
        for tag in (EventTag.ORGANIZATION_ROLE_INVITE_ACCEPT, EventTag.ORGANIZATION_ROLE_ADD):
            record(tag, request=request, actor=user, organization=organization, target=user, role_name=invitation.role)
        notify_organization(
            organization=organization,
            subject=f"{user.username} joined {organization.name}",
            message=f"{user.username} accepted the invitation and is now {invitation.role} of {organization.name}.",
            also=[user],
        )
    return invitation


def invitation_decline(*, request=None, user, invitation):
    with transaction.atomic():
        organization = locked(invitation.organization)
        invitation = INVITATIONS.answer(invitation, user=user, status=Status.DECLINED)
        record(
            EventTag.ORGANIZATION_ROLE_INVITE_DECLINE,
            request=request,
            actor=user,
            organization=organization,
            target=user,
            role_name=invitation.role,
        )
        notify_organization(
            organization=organization,
            subject=f"{user.username} declined to join {organization.name}",
            message=f"{user.username} declined the invitation to {organization.name}.",
        )
    return invitation


def invitation_revoke(*, request=None, actor, invitation):
    """An Owner withdraws a pending invitation; its link stops working."""
    with transaction.atomic():
        organization = locked(invitation.organization)
        require_owner(user=actor, organization=organization, what="revoke invitations")
        invitation = INVITATIONS.revoke(invitation, target=organization)
        record(
            EventTag.ORGANIZATION_ROLE_INVITE_REVOKE,
            request=request,
            actor=actor,
            organization=organization,
            target=invitation.invitee,
            role_name=invitation.role,
        )
        notify_organization(
            organization=organization,
            subject=f"Invitation of {invitation.invitee.username} to {organization.name} revoked",
            message=f"{actor.username} revoked the invitation of {invitation.invitee.username}.",
            also=[invitation.invitee],
        )
    return invitation


# --- roles ---------------------------------------------------------------------


def role_change(*, request=None, actor, organization, user, role):
    """An Owner changes a member's role; the last Owner cannot be demoted."""
    _check_role_name(role)
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what="change roles")
        current = _role_of(organization, user)
        if current is None:
            raise InvalidAction(f"{user.username} is not a member of {organization.name}.")
        if current.role == role:
            raise InvalidAction(f"{user.username} is already {role} of {organization.name}.")
        if current.role == Role.OWNER and _owner_count(organization) == 1:
            raise InvalidAction(_last_owner_message(organization, user, "be demoted"))
        previous, current.role = current.role, role
        current.save(update_fields=["role"])
        record(
            EventTag.ORGANIZATION_ROLE_CHANGE,
            request=request,
            actor=actor,
            organization=organization,
            target=user,
            role_name=role,
            previous_role=previous,
        )
        notify_organization(
            organization=organization,
            subject=f"{user.username} is now {role} of {organization.name}",
            message=f"{actor.username} changed the role of {user.username} from {previous} to {role}.",
            also=[user],
        )
    return current


def role_remove(*, request=None, actor, organization, user):
    """An Owner removes a member, or a member leaves. The last Owner can do neither.

    The person leaves every team with their role and loses their own roles on
    the organisation's projects (see signals.member_removed), in this
    transaction: their personal tokens stop working on those projects at once.
    Organisation tokens are the organisation's and keep working.
    """
    with transaction.atomic():
        organization = locked(organization)
        leaving = actor.pk == user.pk
        if not leaving:
            require_owner(user=actor, organization=organization, what="remove members")
        current = _role_of(organization, user)
        if current is None:
            if leaving:
                raise NotAllowed(f"You are not a member of {organization.name}.")
            raise InvalidAction(f"{user.username} is not a member of {organization.name}.")
        if current.role == Role.OWNER and _owner_count(organization) == 1:
            raise InvalidAction(_last_owner_message(organization, user, "leave" if leaving else "be removed"))
        current.delete()  # and, by cascade, their team memberships
        record(
            EventTag.ORGANIZATION_ROLE_REMOVE,
            request=request,
            actor=actor,
            organization=organization,
            target=user,
            role_name=current.role,
        )
        member_removed.send(sender=OrganizationRole, organization=organization, user=user, actor=actor, request=request)
        message = (
            f"{user.username} left {organization.name} (was {current.role})."
            if leaving
            else f"{actor.username} removed {user.username} ({current.role}) from {organization.name}."
        )
        notify_organization(
            organization=organization,
            subject=f"{user.username} is no longer a member of {organization.name}",
            message=message,
            also=[user],
        )


def member_visibility_set(*, user, organization, is_public):
    """A member shows or hides their membership on the organisation's public page."""
    with transaction.atomic():
        current = OrganizationRole.objects.select_for_update().filter(organization=organization, user=user).first()
        if current is None:
            raise NotAllowed(f"You are not a member of {organization.name}.")
        current.is_public = bool(is_public)
        current.save(update_fields=["is_public"])
    return current
