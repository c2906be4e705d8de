"""Writes about who works on a project: invitations and roles.

Every change locks the project row first, so the rules that count Owners
("the last Owner can neither leave, be removed nor be demoted") hold however
many requests arrive at once; invitation rows are locked before they change
state, so a link works once. Each change records its event (on the project,
and in the affected person's own history through `target_user`) and mails
everyone who works on the project after the change commits.
"""

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from accounts.events import record_event
from accounts.invitations import InvitationKind
from accounts.mail import send_user_mail
from accounts.membership import last_owner_message
from accounts.selectors import user_has_verified_primary_email

from ..events import EventTag
from ..errors import InvalidAction, NotAllowed
from ..models import Project, ProjectRole, RoleInvitation
from .notify import notify_collaborators
from .selectors import require_owner

ROLES = (ProjectRole.Role.OWNER, ProjectRole.Role.MAINTAINER)


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


def _locked(project):
    return Project.objects.select_for_update().get(pk=project.pk)


def _check_role_name(role):
    if role not in ROLES:
        raise InvalidAction(gettext("Unknown role '%(role)s': choose Owner or Maintainer.") % {"role": role})


def _owner_count(project):
    """Who keeps the project managed: its own Owners, and its organisation (whose Owners always are)."""
    owners = ProjectRole.objects.filter(project=project, role=ProjectRole.Role.OWNER).count()
    return owners + (1 if project.organization_id else 0)


def _role_of(project, user):
    return ProjectRole.objects.filter(project=project, user=user).first()


def _record(tag, *, request, actor, target, project, role, **details):
    """The event of a change to `target`'s place on `project`, in the project's and `target`'s histories."""
    record_event(
        tag=tag,
        request=request,
        user=actor,
        target_user=target,
        project_name=project.normalized_name,
        details={"target_user": target.username, "role_name": role, **details},
    )


# --- invitations ---------------------------------------------------------------


invitation_link = INVITATIONS.link


def invitation_create(*, request=None, actor, project, role, invitee=None, who=None):
    """Invite `invitee` to `project` as `role`: a pending invitation and a mailed single-use link (7 days)."""
    _check_role_name(role)
    INVITATIONS.count_sent(request=request, inviter=actor)
    if invitee is None:  # the person named in a form: looked up only once the invitation is counted
        invitee = INVITATIONS.invitee_named(who)
    with transaction.atomic():
        project = _locked(project)
        require_owner(user=actor, project=project)
        if _role_of(project, invitee) is not None:
            raise InvalidAction(
                gettext("%(username)s already works on %(project)s.")
                % {"username": invitee.username, "project": project.name}
            )
        if not user_has_verified_primary_email(invitee):
            raise InvalidAction(
                gettext("%(username)s has no verified primary email address, so no invitation can reach them.")
                % {"username": invitee.username}
            )
        invitation = INVITATIONS.open(target=project, invitee=invitee, inviter=actor, role=role)
        _record(EventTag.PROJECT_ROLE_INVITE, request=request, actor=actor, target=invitee, project=project, role=role)
        context = {
            "project_name": project.name,
            "inviter": actor.username,
            "role": role,
            "link": invitation_link(invitation),
            "expires": invitation.expires,
        }
        transaction.on_commit(
            lambda: send_user_mail(user=invitee, template="packages/mail/invitation", context=context)
        )
        notify_collaborators(
            project=project,
            subject=gettext("%(username)s invited to %(project)s")
            % {"username": invitee.username, "project": project.name},
            message=gettext("%(actor)s invited %(username)s to work on %(project)s as %(role)s.")
            % {"actor": actor.username, "username": invitee.username, "project": project.name, "role": ProjectRole.Role(role).label},
        )
    return invitation


def invitation_from_link(*, token, user):
    """The pending invitation the link `token` stands for, if it is `user`'s; InvitationLinkError otherwise."""
    return INVITATIONS.from_link(token=token, user=user)


def invitation_accept(*, request=None, user, invitation):
    """`user` accepts: they get the invited role on the project. Works once."""
    with transaction.atomic():
        project = _locked(invitation.project)
        invitation = INVITATIONS.answer(invitation, user=user, status=RoleInvitation.Status.ACCEPTED)
        if _role_of(project, user) is not None:
            raise InvalidAction(gettext("You already work on %(project)s.") % {"project": project.name})
        ProjectRole.objects.create(project=project, user=user, role=invitation.role)
        for tag in (EventTag.PROJECT_ROLE_INVITE_ACCEPT, EventTag.PROJECT_ROLE_ADD):
            _record(tag, request=request, actor=user, target=user, project=project, role=invitation.role)
        notify_collaborators(
            project=project,
            subject=gettext("%(username)s joined %(project)s") % {"username": user.username, "project": project.name},
            message=gettext("%(username)s accepted the invitation and now works on %(project)s as %(role)s.")
            % {"username": user.username, "project": project.name, "role": ProjectRole.Role(invitation.role).label},
        )
    return invitation


def invitation_decline(*, request=None, user, invitation):
    """`user` declines: nothing else changes."""
    with transaction.atomic():
        project = _locked(invitation.project)
        invitation = INVITATIONS.answer(invitation, user=user, status=RoleInvitation.Status.DECLINED)
        _record(
            EventTag.PROJECT_ROLE_INVITE_DECLINE,
            request=request,
            actor=user,
            target=user,
            project=project,
            role=invitation.role,
        )
        notify_collaborators(
            project=project,
            subject=gettext("%(username)s declined to join %(project)s")
            % {"username": user.username, "project": project.name},
            message=gettext("%(username)s declined the invitation to work on %(project)s as %(role)s.")
            % {"username": user.username, "project": project.name, "role": ProjectRole.Role(invitation.role).label},
        )
    return invitation


def invitation_revoke(*, request=None, actor, invitation):
    """An Owner withdraws a pending invitation; its link stops working."""
    with transaction.atomic():
        project = _locked(invitation.project)
        require_owner(user=actor, project=project)
        invitation = INVITATIONS.revoke(invitation, target=project)
        invitee = invitation.invitee
        _record(
            EventTag.PROJECT_ROLE_INVITE_REVOKE,
            request=request,
            actor=actor,
            target=invitee,
            project=project,
            role=invitation.role,
        )
        notify_collaborators(
            project=project,
            subject=gettext("Invitation of %(username)s to %(project)s revoked")
            % {"username": invitee.username, "project": project.name},
            message=gettext("%(actor)s revoked the invitation of %(username)s to work on %(project)s.")
            % {"actor": actor.username, "username": invitee.username, "project": project.name},
            also=[invitee],
        )
    return invitation


# --- roles ---------------------------------------------------------------------


def role_add(*, request=None, project, user, role, actor=None):
    """Give `user` a role on `project` directly (staff, and the first Owner); others are invited."""
    _check_role_name(role)
    with transaction.atomic():
        project_role = ProjectRole.objects.create(project=project, user=user, role=role)
        _record(
            EventTag.PROJECT_ROLE_ADD, request=request, actor=actor or user, target=user, project=project, role=role
        )
        notify_collaborators(
            project=project,
            subject=gettext("%(username)s added to %(project)s") % {"username": user.username, "project": project.name},
            message=gettext("%(username)s gave %(username2)s the role %(role)s on %(project)s.")
            % {"username": (actor or user).username, "username2": user.username, "role": ProjectRole.Role(role).label, "project": project.name},
        )
    return project_role


def role_change(*, request=None, actor, project, user, role):
    """An Owner changes `user`'s role; the last Owner cannot be demoted."""
    _check_role_name(role)
    with transaction.atomic():
        project = _locked(project)
        require_owner(user=actor, project=project)
        current = _role_of(project, user)
        if current is None:
            raise InvalidAction(
                gettext("%(username)s does not work on %(project)s.")
                % {"username": user.username, "project": project.name}
            )
        if current.role == role:
            raise InvalidAction(
                gettext("%(username)s is already %(role)s of %(project)s.")
                % {"username": user.username, "role": ProjectRole.Role(role).label, "project": project.name}
            )
        if current.role == ProjectRole.Role.OWNER and _owner_count(project) == 1:
            raise InvalidAction(last_owner_message(user=user, name=project.name, doing="demote"))
        previous = current.role
        current.role = role
        current.save(update_fields=["role"])
        _record(
            EventTag.PROJECT_ROLE_CHANGE,
            request=request,
            actor=actor,
            target=user,
            project=project,
            role=role,
            previous_role=previous,
        )
        notify_collaborators(
            project=project,
            subject=gettext("%(username)s is now %(role)s of %(project)s")
            % {"username": user.username, "role": ProjectRole.Role(role).label, "project": project.name},
            message=gettext("%(actor)s changed the role of %(username)s on %(project)s from %(previous)s to %(role)s.")
            % {
                "actor": actor.username,
                "username": user.username,
                "project": project.name,
                "previous": ProjectRole.Role(previous).label,
                "role": ProjectRole.Role(role).label,
            },
        )
    return current


def role_remove(*, request=None, actor, project, user):
    """Remove `user` from `project`: an Owner removes anyone, anyone removes themselves (leaves).

    The last Owner can neither leave nor be removed. Their tokens stop working
    on the project at once: every upload checks for a role.
    """
    with transaction.atomic():
        project = _locked(project)
        if actor.pk != user.pk:
            require_owner(user=actor, project=project)
        current = _role_of(project, user)
        if current is None:
            if actor.pk == user.pk:
                raise NotAllowed(gettext("You do not work on %(project)s.") % {"project": project.name})
            raise InvalidAction(
                gettext("%(username)s does not work on %(project)s.")
                % {"username": user.username, "project": project.name}
            )
        if current.role == ProjectRole.Role.OWNER and _owner_count(project) == 1:
            raise InvalidAction(last_owner_message(user=user, name=project.name, doing="leave" if actor.pk == user.pk else "remove"))
        current.delete()
        _record(
            EventTag.PROJECT_ROLE_REMOVE, request=request, actor=actor, target=user, project=project, role=current.role
        )
        names = {
            "user": actor.username,
            "username": user.username,
            "project": project.name,
            "role": ProjectRole.Role(current.role).label,
        }
        if actor.pk == user.pk:
            message = gettext("%(username)s left %(project)s (was %(role)s).") % names
        else:
            message = gettext("%(user)s removed %(username)s (%(role)s) from %(project)s.") % names
        notify_collaborators(
            project=project,
            subject=gettext("%(username)s no longer works on %(project)s")
            % {"username": user.username, "project": project.name},
            message=message,
            also=[user],
        )
