"""Writes about accounts: each service is transactional and records its security event."""

import time

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import update_session_auth_hash
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from .errors import AccountError, EmailVerificationError
from .events import EventTag, record_event
from .mail import send_user_mail
from .models import Email, SecurityEvent, User
from .selectors import user_by_login
from .sessions.services import sessions_end

_EMAIL_VERIFY_SALT = "accounts.email-verify"
SESSION_AUTH_TIME = "auth_time"


def _absolute(path):
    return settings.SITE_URL + path


def notify_on_commit(*, user, subject, what, detail="", to=None):
    """Email `user` (at `to`, or the primary address) a security notice once the change commits."""
    context = {"subject": subject, "what": what, "detail": detail}
    transaction.on_commit(lambda: send_user_mail(user=user, template="accounts/mail/account_notice", context=context, to=to))


@transaction.atomic
def user_register(*, request, username, name, email, password):
    """Create an account with an unverified primary email and send its verification link."""
    user = User(username=username, name=name)
    user.set_password(password)
    user.save()
    address = Email.objects.create(user=user, email=email, primary=True)
    record_event(tag=EventTag.ACCOUNT_CREATE, request=request, user=user)
    record_event(tag=EventTag.ACCOUNT_EMAIL_ADD, request=request, user=user, details={"email": email})
    transaction.on_commit(lambda: email_send_verification(email=address))
    return user


def email_verification_token(email):
    return signing.dumps({"id": email.pk, "email": email.email.lower()}, salt=_EMAIL_VERIFY_SALT)


def email_send_verification(*, email):
    link = _absolute(reverse("accounts:verify-email")) + "?token=" + email_verification_token(email)
    send_user_mail(
        user=email.user,
        template="accounts/mail/verify_email",
        context={"link": link, "email": email.email, "hours": settings.EMAIL_VERIFICATION_MAX_AGE // 3600},
        to=email.email,
    )


@transaction.atomic
def email_verify(*, request, token):
    """Mark the address in a verification link as verified. Each link works once."""
    try:
        payload = signing.loads(token, salt=_EMAIL_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailVerificationError(
            gettext("This verification link has expired. Send a new one from your account page.")
        ) from None
    except signing.BadSignature:
        raise EmailVerificationError(gettext("This verification link is invalid.")) from None
    email = Email.objects.select_for_update().filter(pk=payload.get("id")).select_related("user").first()
    if email is None or email.email.lower() != payload.get("email"):
        raise EmailVerificationError(gettext("This verification link is invalid."))
    if email.verified:
        raise EmailVerificationError(
            gettext("This email address has already been verified; the link cannot be used again.")
        )
    email.verified = True
    email.verified_at = timezone.now()
    email.save(update_fields=["verified", "verified_at"])
    record_event(tag=EventTag.ACCOUNT_EMAIL_VERIFIED, request=request, user=email.user, details={"email": email.email})
    return email


@transaction.atomic
def email_add(*, request, user, email):
    address = Email.objects.create(user=user, email=email, primary=False)
    record_event(tag=EventTag.ACCOUNT_EMAIL_ADD, request=request, user=user, details={"email": email})
    notify_on_commit(
        user=user,
        subject=gettext("Email address added"),
        what=gettext("The email address %(email)s was added to your account.") % {"email": email},
    )
    transaction.on_commit(lambda: email_send_verification(email=address))
    return address


def _own_email(user, email_id):
    email = Email.objects.select_for_update().filter(user=user, pk=email_id).first()
    if email is None:
        raise AccountError(gettext("That email address is not on your account."))
    return email


@transaction.atomic
def email_remove(*, request, user, email_id):
    email = _own_email(user, email_id)
    if email.primary:
        raise AccountError(gettext("The primary email address cannot be removed. Make another address primary first."))
    email.delete()
    record_event(tag=EventTag.ACCOUNT_EMAIL_REMOVE, request=request, user=user, details={"email": email.email})
    what = gettext("The email address %(email)s was removed from your account.") % {"email": email.email}
    notify_on_commit(user=user, subject=gettext("Email address removed"), what=what)
    notify_on_commit(user=user, subject=gettext("Email address removed"), what=what, to=email.email)


@transaction.atomic
def email_make_primary(*, request, user, email_id):
    email = _own_email(user, email_id)
    if not email.verified:
        raise AccountError(gettext("Only a verified email address can become the primary one."))
    if email.primary:
        return email
    old = Email.objects.filter(user=user, primary=True).first()
    Email.objects.filter(user=user, primary=True).update(primary=False)
    email.primary = True
    email.save(update_fields=["primary"])
    record_event(
        tag=EventTag.ACCOUNT_EMAIL_PRIMARY_CHANGE,
        request=request,
        user=user,
        details={"old": old.email if old else None, "new": email.email},
    )
    if old is not None:
        what = gettext("Your primary email address is now %(email)s (it was %(old)s).") % {
            "email": email.email,
            "old": old.email,
        }
    else:
        what = gettext("Your primary email address is now %(email)s.") % {"email": email.email}
    notify_on_commit(user=user, subject=gettext("Primary email address changed"), what=what, to=email.email)
    if old is not None:
        notify_on_commit(user=user, subject=gettext("Primary email address changed"), what=what, to=old.email)
    return email


def session_mark_authenticated(request):
    """Note when the user last proved who they are (re-authentication compares against it)."""
    request.session[SESSION_AUTH_TIME] = int(time.time())


def session_auth_age(request):
    """Seconds since the session's user last authenticated, or None."""
    auth_time = request.session.get(SESSION_AUTH_TIME)
    return None if auth_time is None else time.time() - auth_time


@transaction.atomic
def user_login(*, request, user, method="password"):
    """Start a session for `user`, who has passed every step `method` names."""
    django_login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
    session_mark_authenticated(request)
    record_event(tag=EventTag.ACCOUNT_LOGIN_SUCCESS, request=request, user=user, details={"method": method})


@transaction.atomic
def password_change(*, request, user, new_password):
    """Set a new password, keep this session and end every other session of the user."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    session_mark_authenticated(request)
    record_event(tag=EventTag.ACCOUNT_PASSWORD_CHANGE, request=request, user=user)
    sessions_end(request=request, user=user, reason="password_change")
    transaction.on_commit(lambda: send_user_mail(user=user, template="accounts/mail/password_changed"))


def password_confirmation_failed(*, request, user, reason):
    """Record a wrong current password typed by a signed-in user (already counted against the login limit)."""
    with transaction.atomic():
        record_event(tag=EventTag.ACCOUNT_LOGIN_FAILURE, request=request, user=user, details={"reason": reason})


def password_reset_request(*, request, login):
    """Email a reset link to the account named by username or email, if there is one.

    Says nothing about whether the account exists: the caller shows the same
    message either way.
    """
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from .tokens import password_reset_token

    user = user_by_login(login)
    if user is None or not user.is_active:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = password_reset_token.make_token(user)
    link = _absolute(reverse("accounts:reset-password-confirm", kwargs={"uidb64": uid, "token": token}))
    with transaction.atomic():
        record_event(tag=EventTag.ACCOUNT_PASSWORD_RESET_REQUEST, request=request, user=user)
    send_user_mail(
        user=user,
        template="accounts/mail/password_reset",
        context={"link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )


@transaction.atomic
def password_reset_complete(*, request, user):
    """Record a finished reset. The new password has already ended every session of the user."""
    record_event(tag=EventTag.ACCOUNT_PASSWORD_RESET, request=request, user=user)
    sessions_end(request=request, user=user, reason="password_reset")
    transaction.on_commit(lambda: send_user_mail(user=user, template="accounts/mail/password_changed"))


@transaction.atomic
def user_freeze(*, request, user, frozen):
    """Staff: freeze (or thaw) an account. A frozen account's sessions and tokens stop working at once."""
    if user.is_active != frozen:
        return False
    user.is_active = not frozen
    user.save(update_fields=["is_active"])
    record_event(
        tag=EventTag.ACCOUNT_FROZEN if frozen else EventTag.ACCOUNT_UNFROZEN,
        request=request,
        user=user,
        details={"staff": request.user.username},
    )
    if frozen:
        notify_on_commit(
            user=user,
            subject=gettext("Account frozen"),
            what=gettext("The site's staff froze your account: you cannot sign in, and your API tokens do not work."),
            detail=gettext("Contact the site's administrators to learn why and to have it unfrozen."),
        )
    else:
        notify_on_commit(
            user=user,
            subject=gettext("Account unfrozen"),
            what=gettext("The site's staff unfroze your account: you can sign in again."),
        )
    return True


def user_staff_change_record(*, request, user, changes):
    """Record what a staff member changed on `user` through the admin (`changes`: field -> new value)."""
    if not changes:
        return
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_STAFF_CHANGE,
            request=request,
            user=user,
            details={"staff": request.user.username, "changes": changes},
        )


def rate_limit_record(*, request, error, user=None, details=None):
    """Record that a rate limit refused a request (`error` is the RateLimited raised)."""
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_RATE_LIMITED,
            request=request,
            user=user if user is not None and getattr(user, "pk", None) else None,
            details={"limit": error.scope, **(details or {})},
        )


def organization_history_rename(*, old_name, new_name, since):
    """An organisation was renamed: its history (the events since it was created) follows it to `new_name`.

    Call inside the renaming transaction. Events older than `since` belong to an
    earlier organisation that bore the name, and stay where they are.
    """
    SecurityEvent.objects.filter(organization_name=old_name, time__gte=since).update(organization_name=new_name)
