"""Writes about organisations, by subject. Each is transactional, locks the organisation's row and records its event."""

from ._common import record, require_active, require_manager, require_owner  # noqa: F401
from .members import (  # noqa: F401
    INVITATION_MAX_AGE,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_from_link,
    invitation_link,
    invitation_revoke,
    member_visibility_set,
    role_change,
    role_remove,
)
from .organizations import (  # noqa: F401
    organization_create,
    organization_delete,
    organization_policy_set,
    organization_provenance_set,
    organization_reading_set,
    organization_rename,
    organization_review,
    organization_update,
)
from .teams import team_create, team_delete, team_member_add, team_member_remove, team_rename  # noqa: F401
