"""Sending an invitation to create an account, and accepting it."""

from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from ..errors import AccountError, InvitationLinkError
from ..events import EventTag, record_event
from ..mail import send_user_mail
from ..models import Email, User
from ..names import name_holder, name_taken_message
from ..services import _absolute
from .models import AccountInvitation

ACCOUNT_INVITATION_MAX_AGE = timedelta(days=7)
_SALT = "accounts.account-invitation"

INVALID = gettext_lazy("This invitation link is invalid. Ask the site's staff for a new one.")


def _email_in_use(email):
    return Email.objects.filter(email__iexact=email).exists()


def invitation_link(invitation):
    """The absolute link the invitee opens: a signature over the invitation's id and address, never stored."""
    token = signing.dumps({"id": invitation.pk, "email": invitation.email.lower()}, salt=_SALT)
    return _absolute(reverse("accounts:join", kwargs={"token": token}))


def account_invitation_send(*, request=None, staff, email):
    """Staff invite the person at `email` to create an account; returns the AccountInvitation.

    Raises AccountError when an account already uses the address. Records
    account:invitation:sent in the staff member's history and mails the link
    after commit.
    """
    email = (email or "").strip()
    if _email_in_use(email):
        raise AccountError(gettext("An account already uses the email address %(email)s.") % {"email": email})
    with transaction.atomic():
        now = timezone.now()
        invitation = AccountInvitation.objects.create(
            email=email, invited_by=staff, created=now, expires=now + ACCOUNT_INVITATION_MAX_AGE
        )
        record_event(
            tag=EventTag.ACCOUNT_INVITATION_SENT,
            request=request,
            user=staff,
            details={"email": email, "invitation_id": invitation.pk, "expires": invitation.expires.isoformat()},
        )
        link = invitation_link(invitation)
        context = {"link": link, "days": ACCOUNT_INVITATION_MAX_AGE.days, "inviter": staff.username}
        transaction.on_commit(
            lambda: send_user_mail(user=None, template="accounts/mail/account_invitation", context=context, to=email)
        )
    return invitation


def _answerable(invitation, now):
    if invitation.accepted is not None:
        raise InvitationLinkError(
            gettext("This invitation has already been used to create an account. Log in instead.")
        )
    if invitation.is_expired(now):
        raise InvitationLinkError(gettext("This invitation has expired. Ask the site's staff for a new one."))


def account_invitation_from_link(token):
    """The AccountInvitation a link names, still usable; InvitationLinkError with the reason otherwise."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=ACCOUNT_INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvitationLinkError(gettext("This invitation has expired. Ask the site's staff for a new one.")) from None
    except signing.BadSignature:
        raise InvitationLinkError(str(INVALID)) from None
    invitation = AccountInvitation.objects.filter(pk=payload.get("id")).first()
    if invitation is None or invitation.email.lower() != payload.get("email"):
        raise InvitationLinkError(str(INVALID))
    _answerable(invitation, timezone.now())
    return invitation


def account_invitation_accept(*, request=None, token, username, name, password):
    """Create the account an invitation link offers; returns the new User.

    The link works once: the invitation's row is locked, checked and marked
    used in the transaction that creates the account, so two accepts at once
    make one account. The address arrives verified (the link proved it).
    Raises InvitationLinkError, or AccountError for a taken name or address.
    """
    invitation = account_invitation_from_link(token)
    try:
        with transaction.atomic():
            invitation = AccountInvitation.objects.select_for_update().get(pk=invitation.pk)
            now = timezone.now()
            _answerable(invitation, now)
            if _email_in_use(invitation.email):
                raise AccountError(
                    gettext("An account already uses the email address %(email)s. Log in instead.")
                    % {"email": invitation.email}
                )
            user = User(username=username, name=name)
            user.set_password(password)
            user.save()
            Email.objects.create(user=user, email=invitation.email, primary=True, verified=True, verified_at=now)
            invitation.accepted, invitation.user = now, user
            invitation.save(update_fields=["accepted", "user"])
            inviter = invitation.invited_by.username if invitation.invited_by else ""
            record_event(
                tag=EventTag.ACCOUNT_CREATE_INVITED,
                request=request,
                user=user,
                details={"invitation_id": invitation.pk, "invited_by": inviter},
            )
            record_event(
                tag=EventTag.ACCOUNT_EMAIL_ADD,
                request=request,
                user=user,
                details={"email": invitation.email, "verified": True},
            )
    except IntegrityError:  # the name (an account's or an organisation's) or the address was just taken
        holder = name_holder(username)
        if holder is not None:
            raise AccountError(name_taken_message(username, holder)) from None
        raise AccountError(gettext("This username or email address was just taken. Choose another one.")) from None
    return user
