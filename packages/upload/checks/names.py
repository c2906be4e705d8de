"""The project name, and who may upload to the project."""

import sys

from django.utils.translation import gettext
from packaging.utils import InvalidName, canonicalize_name

from ...errors import InvalidUpload, UploadForbidden

STDLIB_NAMES = frozenset(canonicalize_name(name) for name in sys.stdlib_module_names)


def check_name_valid(name):
    """A name typed by a person (an upload's name is checked with the rest of its metadata)."""
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        raise InvalidUpload(
            gettext(
                "%(name)r is not a valid project name: use letters, numbers, '.', '_' and '-', "
                "and start and end with a letter or number."
            )
            % {"name": name}
        ) from None


def check_name_unused(name, *, existing):
    if existing:
        raise InvalidUpload(
            gettext("The name %(name)r is already taken by the project %(existing)r.") % {"name": name, "existing": existing}
        )


def check_name_not_prohibited(name, *, prohibited):
    if prohibited:
        raise InvalidUpload(f"The name {name!r} isn't allowed.")


def check_name_not_confusable(name, *, similar_to):
    if similar_to:
        raise InvalidUpload(
            f"The name {name!r} is too similar to an existing project ({similar_to!r}). "
            "Choose a more distinctive name."
        )


def check_name_not_stdlib(name):
    if canonicalize_name(name) in STDLIB_NAMES:
        raise InvalidUpload(f"The name {name!r} isn't allowed (conflict with Python Standard Library module name).")


def check_project_accepts_uploads(project):
    if project.status == project.Status.QUARANTINED:
        raise UploadForbidden(f"Project {project.name!r} is quarantined and does not accept uploads.")
    if project.status == project.Status.ARCHIVED:
        raise InvalidUpload(f"Project {project.name!r} is archived and does not accept uploads.")



# --- who uploads ------------------------------------------------------------


def check_token_may_upload(token):
    if token is not None and not token.can_upload:
        raise UploadForbidden(
            "Invalid API Token: this token may only read (install) packages; "
            "uploading needs a token with the upload scope."
        )


def check_token_scope(token, *, normalized_name):
    if token is not None and not token.scope_allows(normalized_name):
        raise UploadForbidden(f"Invalid API Token: project-scoped token is not valid for project: {normalized_name!r}")


def check_role(*, user, project_name, has_role, token=None):
    if not has_role and getattr(token, "organization_id", None) is not None:
        raise UploadForbidden(
            f"The organisation token {token.name!r} isn't allowed to upload to project {project_name!r}: "
            "the project does not belong to its organisation."
        )
    if not has_role:
        raise UploadForbidden(f"The user '{user.username}' isn't allowed to upload to project {project_name!r}.")


def check_verified_email(*, user, verified):
    if not verified:
        raise UploadForbidden(
            f"User '{user.username}' does not have a verified primary email address. "
            "Please add a verified primary email before attempting to upload."
        )


def check_two_factor(*, user, enabled):
    if not enabled:
        raise UploadForbidden(
            f"User '{user.username}' does not have two-factor authentication enabled. "
            "Please enable two-factor authentication before attempting to upload."
        )
