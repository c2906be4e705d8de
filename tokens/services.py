"""Writes about API tokens. Each service is transactional and records its security event.

Public API used by other apps (packages' upload and trusted publishing):
``token_create``, ``token_revoke``, ``token_rotate`` and ``token_authenticate``.
"""

from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.events import client_ip, record_event
from accounts.mail import send_user_mail
from accounts.models import User

from . import organization, secret, selectors
from .errors import ExpiredToken, InvalidToken, RevokedToken, TokenError
from .events import EventTag
from .issuing import NAME_MAX_LENGTH, new_token, new_token_checked
from .models import APIToken

# last_used is written at most once per this interval, so busy CI does not
# turn every upload into a write on the token row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _event_details(token, **extra):
    return {
        "token_name": token.name,
        "token_id": token.identifier,
        "scope": "account" if token.account_wide else token.projects,
        "permissions": token.permissions,
        "expires": token.expires.isoformat() if token.expires else None,
        **extra,
    }


def _mail(token, template, **context):
    if token.organization_id is not None:
        return organization.mail(token, template, **context)
    owner = token.owner
    if owner is None:  # a trusted publisher's token: nobody to write to
        return
    transaction.on_commit(
        lambda: send_user_mail(user=owner, template=f"tokens/mail/{template}", context={"token": token, **context})
    )


@transaction.atomic
def token_create(*, request=None, user, name, projects=None, expires=None, can_read=False, can_upload=True):
    """Create a token for `user` and return ``(APIToken, raw_token_string)``.

    `projects` None means the whole account; otherwise a non-empty list of
    project names (normalized here; they need not exist yet). `expires` is an
    aware datetime or None for never. `can_read` and `can_upload` say what it
    may do within that scope (at least one; an upload token also reads what it
    may upload to). The raw string exists only in the return
    value: show it once and forget it. Raises TokenError with a message for the
    user (bad name, duplicate name, expiry in the past, bad project name).
    """
    name, account_wide, normalized, now = new_token_checked(
        name=name, projects=projects, expires=expires, can_read=can_read, can_upload=can_upload
    )
    token, raw = new_token(
        user=user, name=name, account_wide=account_wide, projects=normalized, expires=expires, created=now,
        can_read=can_read, can_upload=can_upload,
    )
    record_event(tag=EventTag.ACCOUNT_API_TOKEN_ADDED, request=request, user=user, details=_event_details(token))
    for project in normalized:
        record_event(
            tag=EventTag.PROJECT_API_TOKEN_ADDED,
            request=request,
            user=user,
            project_name=project,
            details=_event_details(token),
        )
    _mail(token, "token_added")
    return token, raw


@transaction.atomic
def token_revoke(*, request=None, token, reason=APIToken.RevokeReason.OWNER, url=""):
    """Revoke `token` at once; returns False when it was already revoked (nothing changes).

    `reason` is an ``APIToken.RevokeReason``; LEAKED records
    account:api_token:removed_leak with `url` (where the token was found),
    every other reason account:api_token:removed. The owner is emailed.
    """
    token = APIToken.objects.select_for_update(of=("self",)).select_related("owner", "organization").get(pk=token.pk)
    if token.revoked is not None:
        return False
    token.revoked = timezone.now()
    token.revoked_reason = reason
    token.save(update_fields=["revoked", "revoked_reason"])
    if token.organization_id is not None:
        organization.record(
            EventTag.ORGANIZATION_API_TOKEN_REMOVED, request=request, token=token, reason=reason, url=url
        )
        _mail(token, "token_revoked", reason=APIToken.RevokeReason(reason).label, url=url)
        return True
    if reason == APIToken.RevokeReason.LEAKED:
        tag, details = EventTag.ACCOUNT_API_TOKEN_REMOVED_LEAK, _event_details(token, url=url)
    else:
        tag, details = EventTag.ACCOUNT_API_TOKEN_REMOVED, _event_details(token, reason=reason)
    # A leak report or a staff action is not the owner's own request: keep
    # their IP and browser out of the owner's history, but still know the time.
    event_request = request if reason in (APIToken.RevokeReason.OWNER, APIToken.RevokeReason.SELF) else None
    if reason == APIToken.RevokeReason.STAFF and request is not None and request.user.is_authenticated:
        details["staff"] = request.user.username
    record_event(tag=tag, request=event_request, user=token.owner, details=details)
    for project in token.projects:
        record_event(
            tag=EventTag.PROJECT_API_TOKEN_REMOVED,
            request=event_request,
            user=token.owner,
            project_name=project,
            details=details,
        )
    _mail(token, "token_revoked", reason=APIToken.RevokeReason(reason).label, url=url)
    return True


@transaction.atomic
def token_rotate(*, request=None, token):
    """Replace `token` by a new secret with the same name, scope, permissions and lifetime; the old one stops working now.

    Returns ``(new APIToken, raw_token_string)``. An expiring token keeps its
    lifetime: the new one expires as long after now as the old one did after
    its creation. Raises TokenError for a revoked token.
    """
    old = APIToken.objects.select_for_update(of=("self",)).select_related("owner", "organization").get(pk=token.pk)
    if old.revoked is not None:
        raise TokenError(gettext("This token has been revoked; create a new one instead."))
    now = timezone.now()
    old.revoked = now
    old.revoked_reason = APIToken.RevokeReason.ROTATED
    old.save(update_fields=["revoked", "revoked_reason"])
    expires = now + (old.expires - old.created) if old.expires else None
    new, raw = new_token(
        user=old.owner,
        organization=old.organization,
        created_by=organization.acting_user(request) or old.created_by,
        name=old.name,
        account_wide=old.account_wide,
        projects=old.projects,
        can_read=old.can_read,
        can_upload=old.can_upload,
        expires=expires,
        created=now,
    )
    if old.organization_id is not None:
        organization.record(
            EventTag.ORGANIZATION_API_TOKEN_ROTATED, request=request, token=new, old_token_id=old.identifier
        )
        _mail(new, "token_rotated", old=old)
        return new, raw
    record_event(
        tag=EventTag.ACCOUNT_API_TOKEN_ROTATED,
        request=request,
        user=old.owner,
        details=_event_details(new, old_token_id=old.identifier),
    )
    _mail(new, "token_rotated", old=old)
    return new, raw


def token_create_for_publisher(*, name, projects, expires):
    """A token with no owner for a trusted publisher's workflow; returns ``(APIToken, raw_token_string)``.

    Used by tokens.publishing, which records the events (on the projects, naming the publisher).
    `projects` are normalized names; `expires` is required: such tokens are short-lived.
    """
    return new_token(
        user=None, name=name[:NAME_MAX_LENGTH], account_wide=False, projects=projects, expires=expires,
        created=timezone.now(),
    )


def token_disclosure_process(*, body, signature):
    """Revoke every valid token in a secret scanner's report; returns how many were revoked.

    Never raises for bad input: see tokens/disclosure.py for the format and
    the signature rule.
    """
    from . import disclosure, selectors

    if not disclosure.signature_valid(body, signature):
        return 0
    revoked = 0
    for raw, url in disclosure.parse_reports(body):
        token = selectors.token_find(raw)
        if token is not None and token_revoke(token=token, reason=APIToken.RevokeReason.LEAKED, url=url):
            revoked += 1
    return revoked


def _holder_active(token):
    """A person's token works while they are not frozen; an organisation's while it is approved.

    A trusted publisher's token has neither: its publisher is checked where it is used.
    """
    if token.organization_id is not None:
        return token.organization.is_active
    return token.owner is None or token.owner.is_active


def token_failure_record(*, request, raw, reason):
    """Record a refused token: by its public identifier when the string parses, never its secret."""
    parts = secret.parse(raw)
    owner = None
    if parts is not None:
        owner = APIToken.objects.filter(identifier=parts.identifier).values_list("owner", flat=True).first()
    with transaction.atomic():
        record_event(
            tag=EventTag.ACCOUNT_API_TOKEN_INVALID_USE,
            request=request,
            user=User.objects.filter(pk=owner).first() if owner else None,
            details={"token_id": parts.identifier if parts else "", "reason": reason},
        )


def token_authenticate(*, request=None, raw):
    """The active APIToken for the token string `raw`, noting when and from where it was used.

    Raises InvalidToken (unknown, malformed, other prefix, tampered, revoked,
    owner frozen) or ExpiredToken (and records account:api_token:expired_use,
    at most once a minute per token). Cost: one indexed lookup and one HMAC.
    """
    parts = secret.parse(raw)
    if parts is None:
        raise InvalidToken()
    token = selectors.token_with_holders(parts.identifier)
    match = secret.matches(parts, token.digest if token else "0" * 64)
    if token is None or match is None:
        raise InvalidToken()
    if token.revoked is not None:
        raise RevokedToken()
    if not _holder_active(token):
        raise InvalidToken()
    now = timezone.now()
    if token.is_expired(now):
        if cache.add(f"tokens:expired-use:{token.pk}", 1, timeout=60):
            with transaction.atomic():
                record_event(
                    tag=EventTag.ACCOUNT_API_TOKEN_EXPIRED_USE,
                    request=organization.outside_authentication(request),
                    user=token.owner,
                    organization_name=token.organization.name if token.organization_id else "",
                    details=_event_details(token),
                )
        raise ExpiredToken()
    if token.organization_id is not None:
        organization.record_use(request=request, token=token)
    updates = {}
    if match == "fallback":  # SECRET_KEY was rotated: re-digest under the current key
        updates["digest"] = secret.digest(parts.identifier, parts.secret)
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        updates.update(last_used=now, last_used_ip=client_ip(request))
    if updates:
        APIToken.objects.filter(pk=token.pk).update(**updates)
        for field, value in updates.items():
            setattr(token, field, value)
    return token
