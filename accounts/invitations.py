"""An invitation answered through a signed single-use link: one mechanism for every kind of invitation.

Apps that invite people (to a project, to an organisation) describe their kind
once with `InvitationKind` and call it: the link (signed, salted, valid 7
days), "is this invitation still answerable" with its messages, and "lock the
row, check, mark answered" live here and nowhere else. The invitation model
needs `invitee`, `inviter`, `status` (the Status choices below), `expires`,
`responded`, `is_expired` and a foreign key to what the person is invited to.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from .ratelimit import RateLimit, RateLimited
from .selectors import user_by_username_or_primary_email
from .services import rate_limit_record

INVITATION_MAX_AGE = timedelta(days=7)
# Invitations a person may send a day, of every kind together (settings.INVITATION_RATE_LIMIT):
# each one mails someone else, so a compromised or careless account cannot turn the site into a mailer.
invitations_sent = RateLimit("invitations-sent", limit=50, window=24 * 3600)
PENDING, ACCEPTED, DECLINED, REVOKED, EXPIRED = "pending", "accepted", "declined", "revoked", "expired"


@dataclass(frozen=True)
class InvitationKind:
    """One kind of invitation: its model, what it invites to, its link and its errors."""

    model: type  # the invitation model
    target: str  # its foreign key to what the person is invited to ("project", "organization")
    salt: str  # signing salt: a link of one kind is never valid for another
    respond_url: str  # URL name of the page the link opens
    link_error: type  # raised when a link or an answer cannot be used
    refused: type  # raised when an Owner's action no longer applies
    gone_message: str  # (lazily translated) the link names an invitation that was deleted

    def count_sent(self, *, request=None, inviter):
        """Count one invitation against `inviter`'s daily allowance (settings.INVITATION_RATE_LIMIT, every kind
        together); over it, record the refusal and raise `refused`. Call before the inviting transaction, so the
        count and the refusal's event stand whatever that transaction does."""
        limit = settings.INVITATION_RATE_LIMIT
        try:
            invitations_sent.consume(f"user:{inviter.pk}", limit=limit)
        except RateLimited as error:
            rate_limit_record(request=request, error=error, user=inviter)
            raise self.refused(
                ngettext(
                    "You have sent %(limit)d invitation today, the most a day; try again in %(minutes)d minutes.",
                    "You have sent %(limit)d invitations today, the most a day; try again in %(minutes)d minutes.",
                    limit,
                )
                % {"limit": limit, "minutes": error.minutes}
            ) from None

    def invitee_named(self, who):
        """The active account whose username or primary email address is `who`; `refused` if there is none.

        A lookup that tells whether an account exists: call it after `count_sent`, so the
        daily allowance bounds how many such questions one person can ask."""
        invitee = user_by_username_or_primary_email(who)
        if invitee is None:
            raise self.refused(
                gettext("No account has the username or primary email address '%(who)s'.") % {"who": who}
            )
        return invitee

    def open(self, *, target, invitee, inviter, role):
        """A new pending invitation valid 7 days; stale pending ones expire first (call in a transaction).

        The database allows one pending invitation per person and target, so two
        requests at once cannot both create one.
        """
        now = timezone.now()
        self.model.objects.filter(
            **{self.target: target}, invitee=invitee, status=PENDING, expires__lte=now
        ).update(status=EXPIRED)
        try:
            with transaction.atomic():
                return self.model.objects.create(
                    **{self.target: target},
                    invitee=invitee,
                    inviter=inviter,
                    role=role,
                    created=now,
                    expires=now + INVITATION_MAX_AGE,
                )
        except IntegrityError:
            raise self.refused(
                gettext("%(username)s already has a pending invitation to %(target)s.")
                % {"username": invitee.username, "target": target.name}
            ) from None

    def link(self, invitation):
        """The absolute, signed link that lets the invitee answer `invitation`."""
        token = signing.dumps({"invitation": invitation.pk, "user": invitation.invitee_id}, salt=self.salt)
        return f"{settings.SITE_URL}{reverse(self.respond_url)}?token={token}"

    def from_link(self, *, token, user):
        """The pending invitation the link `token` stands for, if it is `user`'s; `link_error` otherwise."""
        try:
            data = signing.loads(token or "", salt=self.salt, max_age=INVITATION_MAX_AGE)
        except signing.SignatureExpired:
            raise self.link_error(
                gettext("This invitation link has expired. Ask an Owner to invite you again.")
            ) from None
        except signing.BadSignature:
            data = None
        if not isinstance(data, dict):
            raise self.link_error(gettext("This invitation link is not valid. Check that you copied all of it."))
        invitation = self.model.objects.select_related(self.target, "inviter").filter(pk=data.get("invitation")).first()
        if invitation is None:
            raise self.link_error(self.gone_message)
        if data.get("user") != user.pk or invitation.invitee_id != user.pk:
            raise self.link_error(
                gettext("This invitation was sent to another account. Sign in as the person it was sent to.")
            )
        self.check_answerable(invitation)
        return invitation

    def check_answerable(self, invitation):
        """`link_error` with the reason unless `invitation` is pending and not past its expiry."""
        state = invitation.status
        if state == PENDING and invitation.is_expired:
            state = EXPIRED
        if state != PENDING:
            messages = {
                ACCEPTED: gettext("This invitation was already accepted."),
                DECLINED: gettext("This invitation was already declined."),
                REVOKED: gettext("This invitation was revoked by an Owner of %(name)s."),
                EXPIRED: gettext("This invitation has expired. Ask an Owner of %(name)s to invite you again."),
            }
            raise self.link_error(messages[state] % {"name": getattr(invitation, self.target).name})

    def answer(self, invitation, *, user, status):
        """Lock the invitation, check it is still `user`'s to answer, and mark it `status` (call in a transaction)."""
        invitation = self.model.objects.select_for_update().select_related(self.target).get(pk=invitation.pk)
        if invitation.invitee_id != user.pk:
            raise self.link_error(gettext("This invitation was sent to another account."))
        self.check_answerable(invitation)
        return _mark(invitation, status)

    def revoke(self, invitation, *, target):
        """Lock the invitation and mark it revoked if it is still pending on `target` (call in a transaction)."""
        invitation = self.model.objects.select_for_update().select_related("invitee").get(pk=invitation.pk)
        if getattr(invitation, f"{self.target}_id") != target.pk or invitation.status != PENDING:
            raise self.refused(gettext("That invitation is no longer pending."))
        return _mark(invitation, REVOKED)


def _mark(invitation, status):
    invitation.status = status
    invitation.responded = timezone.now()
    invitation.save(update_fields=["status", "responded"])
    return invitation
