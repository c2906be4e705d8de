"""A new token, a person's or an organisation's: the checks of what it is asked to be, and its row.

Below both `services` (a person's tokens, rotation) and `organization` (an
organisation's tokens), which make their tokens here.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from packaging.utils import InvalidName, canonicalize_name

from . import secret
from .errors import DuplicateTokenName, TokenError
from .models import APIToken

NAME_MAX_LENGTH = 100
NO_PERMISSION = gettext_lazy("Choose what the token may do: read (install), upload, or both.")


def normalize_project_names(names):
    """PEP 503 normalized, de-duplicated, sorted; TokenError for a name no project could have."""
    normalized = set()
    for name in names:
        name = (name or "").strip()
        try:
            normalized.add(canonicalize_name(name, validate=True))
        except InvalidName:
            raise TokenError(gettext("'%(name)s' is not a valid project name.") % {"name": name}) from None
    return sorted(normalized)


def new_token_checked(*, name, projects, expires, can_read=False, can_upload=True):
    """The cleaned name, whether the scope is everything, the normalized project names and now; or TokenError."""
    if not (can_read or can_upload):
        raise TokenError(str(NO_PERMISSION))
    name = (name or "").strip()
    if not name:
        raise TokenError(gettext("Give the token a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(gettext("A token name may be at most %(max)d characters long.") % {"max": NAME_MAX_LENGTH})
    now = timezone.now()
    if expires is not None and expires <= now:
        raise TokenError(gettext("The expiry date must be in the future."))
    account_wide = projects is None
    normalized = [] if account_wide else normalize_project_names(projects)
    if not account_wide and not normalized:
        raise TokenError(gettext("Choose at least one project, or the whole account."))
    return name, account_wide, normalized, now


def new_token(
    *, user, name, account_wide, projects, expires, created, organization=None, created_by=None,
    can_read=False, can_upload=True,
):
    raw, identifier, secret_part = secret.generate()
    try:
        with transaction.atomic():
            token = APIToken.objects.create(
                owner=user,
                organization=organization,
                created_by=created_by or user,
                name=name,
                identifier=identifier,
                digest=secret.digest(identifier, secret_part),
                account_wide=account_wide,
                projects=projects,
                can_read=can_read,
                can_upload=can_upload,
                expires=expires,
                created=created,
            )
    except IntegrityError:
        raise DuplicateTokenName(name) from None
    return token, raw
