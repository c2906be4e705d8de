"""Who belongs to an organisation: invitations by signed single-use link, role changes, removal and leaving.

Every change locks the organisation's row first, so "the last Owner can
neither leave, be removed nor be demoted" holds however many requests arrive
at once; invitation rows are locked before they change state, so a link works
once. Removing someone ends their access to every organisation project in the
same transaction (their team places go with their role; packages drops their
own project roles on `member_removed`).
"""

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from accounts.invitations import INVITATION_MAX_AGE, InvitationKind  # noqa: F401 (re-exported)
from accounts.mail import send_user_mail
from accounts.membership import last_owner_message
from accounts.selectors import user_has_verified_primary_email

from ..events import EventTag
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
    salt="organizations.invitation",
    respond_url="organizations:invitation-respond",
    link_error=InvitationLinkError,
    refused=InvalidAction,
    gone_message=gettext_lazy("This invitation no longer exists."),
)


def _check_role_name(role):
    if role not in ROLES:
        raise InvalidAction(gettext("Unknown role '%(role)s': choose Owner, Manager or Member.") % {"role": role})


def _role_of(organization, user):
    return OrganizationRole.objects.filter(organization=organization, user=user).first()


def _owner_count(organization):
    return OrganizationRole.objects.filter(organization=organization, role=Role.OWNER).count()


# --- invitations ---------------------------------------------------------------


invitation_link = INVITATIONS.link


def invitation_create(*, request=None, actor, organization, role, invitee=None, who=None):
    """An Owner invites `invitee` as `role`: a pending invitation and a mailed single-use link (7 days)."""
    _check_role_name(role)
    INVITATIONS.count_sent(request=request, inviter=actor)
    if invitee is None:  # the person named in a form: looked up only once the invitation is counted
        invitee = INVITATIONS.invitee_named(who)
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("invite people"))
        require_active(organization)
        if _role_of(organization, invitee) is not None:
            raise InvalidAction(
                gettext("%(username)s is already a member of %(organization)s.")
                % {"username": invitee.username, "organization": organization.name}
            )
        if not user_has_verified_primary_email(invitee):
            raise InvalidAction(
                gettext("%(username)s has no verified primary email address, so no invitation can reach them.")
                % {"username": invitee.username}
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
            subject=gettext("%(username)s invited to %(organization)s")
            % {"username": invitee.username, "organization": organization.name},
            message=gettext("%(actor)s invited %(username)s to %(organization)s as %(role)s.")
            % {
                "actor": actor.username,
                "username": invitee.username,
                "organization": organization.name,
                "role": Role(role).label,
            },
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
            raise InvalidAction(
                gettext("You are already a member of %(organization)s.") % {"organization": organization.name}
            )
        OrganizationRole.objects.create(organization=organization, user=user, role=invitation.role)
        for tag in (EventTag.ORGANIZATION_ROLE_INVITE_ACCEPT, EventTag.ORGANIZATION_ROLE_ADD):
            record(tag, request=request, actor=user, organization=organization, target=user, role_name=invitation.role)
        notify_organization(
            organization=organization,
            subject=gettext("%(username)s joined %(organization)s")
            % {"username": user.username, "organization": organization.name},
            message=gettext("%(username)s accepted the invitation and is now %(role)s of %(organization)s.")
            % {"username": user.username, "role": Role(invitation.role).label, "organization": organization.name},
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
            subject=gettext("%(username)s declined to join %(organization)s")
            % {"username": user.username, "organization": organization.name},
            message=gettext("%(username)s declined the invitation to %(organization)s.")
            % {"username": user.username, "organization": organization.name},
        )
    return invitation


def invitation_revoke(*, request=None, actor, invitation):
    """An Owner withdraws a pending invitation; its link stops working."""
    with transaction.atomic():
        organization = locked(invitation.organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("revoke invitations"))
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
            subject=gettext("Invitation of %(username)s to %(organization)s revoked")
            % {"username": invitation.invitee.username, "organization": organization.name},
            message=gettext("%(actor)s revoked the invitation of %(username)s.")
            % {"actor": actor.username, "username": invitation.invitee.username},
            also=[invitation.invitee],
        )
    return invitation


# --- roles ---------------------------------------------------------------------


def role_change(*, request=None, actor, organization, user, role):
    """An Owner changes a member's role; the last Owner cannot be demoted."""
    _check_role_name(role)
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("change roles"))
        current = _role_of(organization, user)
        if current is None:
            raise InvalidAction(
                gettext("%(username)s is not a member of %(organization)s.")
                % {"username": user.username, "organization": organization.name}
            )
        if current.role == role:
            raise InvalidAction(
                gettext("%(username)s is already %(role)s of %(organization)s.")
                % {"username": user.username, "role": Role(role).label, "organization": organization.name}
            )
        if current.role == Role.OWNER and _owner_count(organization) == 1:
            raise InvalidAction(last_owner_message(user=user, name=organization.name, doing="demote"))
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
            subject=gettext("%(username)s is now %(role)s of %(organization)s")
            % {"username": user.username, "role": Role(role).label, "organization": organization.name},
            message=gettext("%(actor)s changed the role of %(username)s from %(previous)s to %(role)s.")
            % {
                "actor": actor.username,
                "username": user.username,
                "previous": Role(previous).label,
                "role": Role(role).label,
            },
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
            require_owner(user=actor, organization=organization, what=gettext_lazy("remove members"))
        current = _role_of(organization, user)
        if current is None:
            if leaving:
                raise NotAllowed(
                    gettext("You are not a member of %(organization)s.") % {"organization": organization.name}
                )
            raise InvalidAction(
                gettext("%(username)s is not a member of %(organization)s.")
                % {"username": user.username, "organization": organization.name}
            )
        if current.role == Role.OWNER and _owner_count(organization) == 1:
            raise InvalidAction(last_owner_message(user=user, name=organization.name, doing="leave" if leaving else "remove"))
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
            subject=gettext("%(username)s is no longer a member of %(organization)s")
            % {"username": user.username, "organization": organization.name},
            message=message,
            also=[user],
        )


def member_visibility_set(*, user, organization, is_public):
    """A member shows or hides their membership on the organisation's public page."""
    with transaction.atomic():
        current = OrganizationRole.objects.select_for_update().filter(organization=organization, user=user).first()
        if current is None:
            raise NotAllowed(gettext("You are not a member of %(organization)s.") % {"organization": organization.name})
        current.is_public = bool(is_public)
        current.save(update_fields=["is_public"])
    return current
