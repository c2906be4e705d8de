"""Uploads with a token a trusted publisher minted: the publisher, not a person, stands behind them.

The publisher was added by an Owner under 2FA (or, pending, by its registrant),
so no person's role, email or 2FA is checked; instead the publisher must still
be the project's, and a pending one may only create a project that does not exist.
"""

from ...errors import UploadForbidden


def check_publisher(publisher, *, project_exists, project_name):
    """`publisher` is tokens.publishing's answer for the token and project (None: it has none any more)."""
    if publisher is None:
        raise UploadForbidden(
            f"Invalid API Token: the trusted publisher that minted this token no longer publishes {project_name!r}."
        )
    if publisher.pending and project_exists:
        raise UploadForbidden(
            f"The pending trusted publisher for {project_name!r} cannot publish: the project exists now. "
            "Its Owners can add the publisher on the project's publishing page."
        )
    if publisher.pending and publisher.registrant is None:
        raise UploadForbidden(
            f"The pending trusted publisher for {project_name!r} cannot create it: its registrant's account is gone."
        )
    if not publisher.pending and not project_exists:
        raise UploadForbidden(f"Invalid API Token: the project {project_name!r} of this trusted publisher was removed.")
