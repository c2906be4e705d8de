"""Organisation tokens: read and upload tokens owned by an organisation rather than a person.

Created, rotated and revoked by the organisation's Owners and Managers; scoped
to all its projects (present and future: `account_wide`) or a list of them;
stored like every token (digest only) and shown once. They survive any member
leaving. Every event about them, and every use, lands in the organisation's
history; its Owners and Managers are mailed about each change.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.events import record_event
from accounts.mail import send_user_mail
from organizations import selectors as organizations
from organizations.errors import OrganizationError
from organizations.services import require_active, require_manager

from .errors import TokenError
from .events import EventTag
from .issuing import new_token, new_token_checked


def acting_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record(tag, *, request, token, user=None, **details):
    """An event about the organisation token `token`, in its organisation's history."""
    record_event(
        tag=tag,
        request=request,
        user=user if user is not None else acting_user(request),
        organization_name=token.organization.name,
        details={
            "organization": token.organization.name,
            "token_name": token.name,
            "token_id": token.identifier,
            "scope": "organization" if token.account_wide else token.projects,
            "permissions": token.permissions,
            **details,
        },
    )


def mail(token, template, **context):
    """After commit, mail the organisation's Owners and Managers about `token`."""
    people = organizations.organization_people_to_notify(organization=token.organization)
    context = {"token": token, "organization_name": token.organization.name, **context}

    def send():
        for user in people:
            send_user_mail(user=user, template=f"tokens/mail/organization_{template}", context=context)

    transaction.on_commit(send)


@transaction.atomic
def organization_token_create(
    *, request=None, actor, organization, name, projects=None, expires=None, can_read=False, can_upload=True
):
    """An Owner or Manager creates a token of `organization`; returns ``(APIToken, raw_token_string)``.

    `projects` None: all the organisation's projects, present and future;
    otherwise a list of project names (the caller checks that existing ones
    belong to the organisation). `can_read` and `can_upload` as for a person's
    token (tokens.services.token_create). Raises TokenError with a message for the user.
    """
    try:
        organization = type(organization).objects.select_for_update().get(pk=organization.pk)
        require_manager(user=actor, organization=organization, what=gettext_lazy("create organisation tokens"))
        require_active(organization)
    except OrganizationError as error:
        raise TokenError(error.message) from None
    name, account_wide, normalized, now = new_token_checked(
        name=name, projects=projects, expires=expires, can_read=can_read, can_upload=can_upload
    )
    token, raw = new_token(
        user=None,
        organization=organization,
        created_by=actor,
        name=name,
        account_wide=account_wide,
        projects=normalized,
        can_read=can_read,
        can_upload=can_upload,
        expires=expires,
        created=now,
    )
    record(
        EventTag.ORGANIZATION_API_TOKEN_ADDED,
        request=request,
        token=token,
        user=actor,
        expires=expires.isoformat() if expires else None,
    )
    mail(token, "token_added", actor=actor.username)
    return token, raw


def outside_authentication(request):
    """The plain Django request: asking DRF's request for its user while it authenticates would recurse."""
    return getattr(request, "_request", request)


def record_use(*, request, token):
    """Every authenticated use of an organisation token is in the organisation's history."""
    with transaction.atomic():
        record(
            EventTag.ORGANIZATION_API_TOKEN_USED,
            request=outside_authentication(request),
            token=token,
            user=None,
            used=timezone.now().isoformat(),
        )
