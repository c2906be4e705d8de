"""Who may upload to the project: the token, the person's role and standing, the project's state.

(The rules for a new project's name are packages.naming's.)
"""

from ...errors import InvalidUpload, UploadForbidden


def check_project_accepts_uploads(project):
    if project.status == project.Status.QUARANTINED:
        raise UploadForbidden(f"Project {project.name!r} is quarantined and does not accept uploads.")
    if project.status == project.Status.ARCHIVED:
        raise InvalidUpload(f"Project {project.name!r} is archived and does not accept uploads.")


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
