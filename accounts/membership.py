"""One mechanism for every kind of membership: people holding roles on a project, in an organisation, ...

An app describes its kind once with `MembershipKind` (its role model, the
place people belong to, its invitations, its wording, its event tags, how it
records an event and whom it tells, and who may act) and this module does the
rest, the same way for every kind: each change locks the place's row first,
so the rules that count Owners ("the last Owner can neither leave, be removed
nor be demoted") hold however many requests arrive at once; invitation rows
are locked before they change state (accounts.invitations), so a link works
once; each change records its event, in the place's history and in the
affected person's own, and tells the people concerned after it commits.

The services of a kind are its methods, taking the place under the kind's own
name: `PROJECT_MEMBERS.invite(actor=..., project=..., role=...)`, and an app
exports them as its services (`invitation_create = PROJECT_MEMBERS.invite`).
Its pages are accounts.membership_pages.

Teams (organizations.services.teams) are not a kind: a team has no roles (so
no role to change and no last Owner to keep), takes no invitations (only the
organisation's members, added directly by its Owners and Managers), cannot be
left by a member on their own, and its rows hang on the organisation role, not
on the user, under two locks (the organisation's, then the team's). What they
share with a kind, lock, check, write, record, tell, they take from the
organisation's own `locked`, `require_manager`, `record` and notices.
"""

from dataclasses import dataclass, field
from typing import Callable

from django.db import transaction
from django.utils.translation import gettext

from .invitations import ACCEPTED, DECLINED, InvitationKind
from .mail import send_user_mail
from .selectors import user_has_verified_primary_email

# What an Owner may be refused doing, passed to `MembershipKind.require_owner` (each kind words the refusal).
INVITE, REVOKE, CHANGE, REMOVE = "invite", "revoke", "change", "remove"


def last_owner_message(*, user, name, doing):
    """Why the last Owner of `name` cannot `doing` ("demote", "leave" or "remove"): one wording for every kind."""
    messages = {
        "demote": gettext(
            "%(username)s is the last Owner of %(name)s and cannot be demoted. Make someone else an Owner first."
        ),
        "leave": gettext(
            "%(username)s is the last Owner of %(name)s and cannot leave. Make someone else an Owner first."
        ),
        "remove": gettext(
            "%(username)s is the last Owner of %(name)s and cannot be removed. Make someone else an Owner first."
        ),
    }
    return messages[doing] % {"username": user.username, "name": name}


@dataclass(frozen=True)
class MembershipTags:
    """The event tags of one kind of membership."""

    invite: str
    accept: str
    decline: str
    revoke: str
    add: str
    change: str
    remove: str


@dataclass(frozen=True)
class MembershipWording:
    """What one kind of membership says (lazily translated, or plain where the kind's text is not translated).

    Each text is formatted with `username` (the person concerned), `actor`, `role` (its label), `previous`
    (the previous role's label), `role_name` (the role's value), `user` (the actor again, in removals) and
    the place's name under the kind's name (`project`, `organization`).
    """

    unknown_role: str  # "Unknown role '%(role)s': choose ..."
    already_in: str  # invitee already belongs
    you_already_in: str  # the person accepting already belongs
    not_in: str  # the person concerned does not belong
    you_not_in: str  # the person leaving does not belong
    already_role: str  # the person already has that role
    invited: tuple  # (subject, message) of the notice
    joined: tuple
    declined: tuple
    revoked: tuple
    changed: tuple
    gone: str  # subject of the notice of a removal or a departure
    left: str  # message of a departure
    removed: str  # message of a removal
    # (subject, message) of the notice of a role given directly, if the kind tells it: the subject names the
    # person given the role as `username`; the message names the actor as `username`, the person as `username2`
    added: tuple = None


@dataclass(frozen=True)
class MembershipKind:
    """One kind of membership and everything about it that differs from the others."""

    role_model: type  # the membership model: `<place>`, `user`, `role` (its `Role` choices have an OWNER)
    place: str  # the role model's foreign key to the place, and the keyword the services take it by
    invitations: InvitationKind
    refused: type  # the app's error for an action that cannot be done in the current state
    not_allowed: type  # the app's error for an action the person may not do
    words: MembershipWording
    tags: MembershipTags
    record: Callable  # (tag, *, request, actor, place, target, **details): the app's event recorder
    notify: Callable  # (place, *, subject, message, also): tells the place's people, after commit
    require_owner: Callable  # (*, user, place, doing): refuses unless `user` may act as an Owner of `place`
    invitation_mail: str  # the template of the mail with the invitation's link
    mail_context: Callable  # (place) -> what the invitation's mail says about the place
    require_open: Callable = None  # (place): refuses invitations while the place cannot take people
    owners_besides: Callable = None  # (place) -> how many keep the place managed besides its own Owners
    after_remove: Callable = None  # (*, place, user, actor, request): what else a removal ends, in its transaction
    tells_members: frozenset = field(default_factory=frozenset)  # of "accept", "change": the person is told too

    # --- the parts ----------------------------------------------------------------

    def _place(self, where):
        if set(where) != {self.place}:
            raise TypeError(f"name the {self.place}, and only it")
        return where[self.place]

    def _locked(self, place):
        return type(place).objects.select_for_update().get(pk=place.pk)

    def _role_of(self, place, user):
        return self.role_model.objects.filter(**{self.place: place}, user=user).first()

    def _label(self, role):
        return self.role_model.Role(role).label

    def _is_last_owner(self, place, current):
        if current.role != self.role_model.Role.OWNER:
            return False
        owners = self.role_model.objects.filter(**{self.place: place}, role=self.role_model.Role.OWNER).count()
        return owners + (self.owners_besides(place) if self.owners_besides else 0) == 1

    def _check_role_name(self, role):
        if role not in self.role_model.Role.values:
            raise self.refused(self.words.unknown_role % {"role": role})

    def _say(self, text, place, **names):
        return text % {self.place: place.name, **names}

    def _tell(self, place, words, *, also=(), **names):
        subject, message = words
        self.notify(place, subject=self._say(subject, place, **names), message=self._say(message, place, **names), also=also)

    def _record(self, tag, *, request, actor, place, target, role, **details):
        self.record(tag, request=request, actor=actor, place=place, target=target, role_name=role, **details)

    # --- invitations --------------------------------------------------------------

    def invite(self, *, request=None, actor, role, invitee=None, who=None, **where):
        """An Owner invites `invitee` (or the account named `who`) as `role`: a pending invitation and a mailed
        single-use link (7 days)."""
        place = self._place(where)
        self._check_role_name(role)
        self.invitations.count_sent(request=request, inviter=actor)
        if invitee is None:  # the person named in a form: looked up only once the invitation is counted
            invitee = self.invitations.invitee_named(who)
        with transaction.atomic():
            place = self._locked(place)
            self.require_owner(user=actor, place=place, doing=INVITE)
            if self.require_open:
                self.require_open(place)
            if self._role_of(place, invitee) is not None:
                raise self.refused(self._say(self.words.already_in, place, username=invitee.username))
            if not user_has_verified_primary_email(invitee):
                raise self.refused(
                    gettext("%(username)s has no verified primary email address, so no invitation can reach them.")
                    % {"username": invitee.username}
                )
            invitation = self.invitations.open(target=place, invitee=invitee, inviter=actor, role=role)
            self._record(self.tags.invite, request=request, actor=actor, place=place, target=invitee, role=role)
            context = {
                **self.mail_context(place),
                "inviter": actor.username,
                "role": role,
                "link": self.invitations.link(invitation),
                "expires": invitation.expires,
            }
            transaction.on_commit(lambda: send_user_mail(user=invitee, template=self.invitation_mail, context=context))
            self._tell(
                place,
                self.words.invited,
                actor=actor.username,
                username=invitee.username,
                role=self._label(role),
            )
        return invitation

    def accept(self, *, request=None, user, invitation):
        """`user` accepts: they get the invited role. Works once."""
        with transaction.atomic():
            place = self._locked(getattr(invitation, self.place))
            invitation = self.invitations.answer(invitation, user=user, status=ACCEPTED)
            if self._role_of(place, user) is not None:
                raise self.refused(self._say(self.words.you_already_in, place))
            self.role_model.objects.create(**{self.place: place}, user=user, role=invitation.role)
            for tag in (self.tags.accept, self.tags.add):
                self._record(tag, request=request, actor=user, place=place, target=user, role=invitation.role)
            self._tell(
                place,
                self.words.joined,
                also=[user] if "accept" in self.tells_members else (),
                username=user.username,
                role=self._label(invitation.role),
            )
        return invitation

    def decline(self, *, request=None, user, invitation):
        """`user` declines: nothing else changes."""
        with transaction.atomic():
            place = self._locked(getattr(invitation, self.place))
            invitation = self.invitations.answer(invitation, user=user, status=DECLINED)
            self._record(self.tags.decline, request=request, actor=user, place=place, target=user, role=invitation.role)
            self._tell(place, self.words.declined, username=user.username, role=self._label(invitation.role))
        return invitation

    def revoke(self, *, request=None, actor, invitation):
        """An Owner withdraws a pending invitation; its link stops working."""
        with transaction.atomic():
            place = self._locked(getattr(invitation, self.place))
            self.require_owner(user=actor, place=place, doing=REVOKE)
            invitation = self.invitations.revoke(invitation, target=place)
            invitee = invitation.invitee
            self._record(self.tags.revoke, request=request, actor=actor, place=place, target=invitee, role=invitation.role)
            self._tell(place, self.words.revoked, also=[invitee], actor=actor.username, username=invitee.username)
        return invitation

    # --- roles --------------------------------------------------------------------

    def change(self, *, request=None, actor, user, role, **where):
        """An Owner changes `user`'s role; the last Owner cannot be demoted."""
        place = self._place(where)
        self._check_role_name(role)
        with transaction.atomic():
            place = self._locked(place)
            self.require_owner(user=actor, place=place, doing=CHANGE)
            current = self._role_of(place, user)
            if current is None:
                raise self.refused(self._say(self.words.not_in, place, username=user.username))
            if current.role == role:
                raise self.refused(
                    self._say(self.words.already_role, place, username=user.username, role=self._label(role))
                )
            if self._is_last_owner(place, current):
                raise self.refused(last_owner_message(user=user, name=place.name, doing="demote"))
            previous, current.role = current.role, role
            current.save(update_fields=["role"])
            self._record(
                self.tags.change, request=request, actor=actor, place=place, target=user, role=role, previous_role=previous
            )
            self._tell(
                place,
                self.words.changed,
                also=[user] if "change" in self.tells_members else (),
                actor=actor.username,
                username=user.username,
                previous=self._label(previous),
                role=self._label(role),
            )
        return current

    def remove(self, *, request=None, actor, user, **where):
        """Remove `user`: an Owner removes anyone, anyone removes themselves (leaves). The last Owner can do
        neither."""
        place = self._place(where)
        with transaction.atomic():
            place = self._locked(place)
            leaving = actor.pk == user.pk
            if not leaving:
                self.require_owner(user=actor, place=place, doing=REMOVE)
            current = self._role_of(place, user)
            if current is None:
                if leaving:
                    raise self.not_allowed(self._say(self.words.you_not_in, place))
                raise self.refused(self._say(self.words.not_in, place, username=user.username))
            if self._is_last_owner(place, current):
                doing = "leave" if leaving else "remove"
                raise self.refused(last_owner_message(user=user, name=place.name, doing=doing))
            current.delete()
            self._record(self.tags.remove, request=request, actor=actor, place=place, target=user, role=current.role)
            if self.after_remove:
                self.after_remove(place=place, user=user, actor=actor, request=request)
            names = {
                "user": actor.username,
                "username": user.username,
                "role": self._label(current.role),
                "role_name": current.role,
            }
            message = self._say(self.words.left if leaving else self.words.removed, place, **names)
            self.notify(place, subject=self._say(self.words.gone, place, **names), message=message, also=[user])

    def add(self, *, request=None, user, role, actor=None, **where):
        """Give `user` a role directly (staff, and a place's first Owner); others are invited."""
        place = self._place(where)
        self._check_role_name(role)
        with transaction.atomic():
            membership = self.role_model.objects.create(**{self.place: place}, user=user, role=role)
            actor = actor or user
            self._record(self.tags.add, request=request, actor=actor, place=place, target=user, role=role)
            if self.words.added:
                subject, message = self.words.added
                self.notify(
                    place,
                    subject=self._say(subject, place, username=user.username),
                    message=self._say(
                        message, place, username=actor.username, username2=user.username, role=self._label(role)
                    ),
                    also=(),
                )
        return membership
