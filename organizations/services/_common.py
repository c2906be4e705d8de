"""What every organisation write shares: the lock, the role checks and the event recorder."""

from django.utils.translation import gettext

from accounts.events import record_event

from ..errors import InvalidAction, NotAllowed, only_role_message
from ..models import Organization, OrganizationRole
from ..selectors import MANAGERS, user_organization_role

Role = OrganizationRole.Role


def locked(organization):
    """The organisation's row, locked until the transaction ends: every rule that counts people holds under it."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def require_role(*, user, organization, roles, what):
    """NotAllowed unless `user` has one of `roles` in `organization`; `what` completes "Only … can …"."""
    role = user_organization_role(user=user, organization=organization)
    if role not in roles:
        raise NotAllowed(only_role_message(roles=roles, organization=organization, what=what))
    return role


def require_owner(*, user, organization, what):
    return require_role(user=user, organization=organization, roles=(Role.OWNER,), what=what)


def require_manager(*, user, organization, what):
    return require_role(user=user, organization=organization, roles=MANAGERS, what=what)


def require_active(organization):
    if not organization.is_active:
        raise InvalidAction(
            gettext(
                "%(organization)s is waiting for approval by the site's staff; this is possible once it is approved."
            )
            % {"organization": organization.name}
        )


def record(tag, *, request, actor, organization, target=None, **details):
    """The event in the organisation's history (and in `target`'s own history)."""
    if target is not None:
        details.setdefault("target_user", target.username)
    record_event(
        tag=tag,
        request=request,
        user=actor,
        target_user=target,
        organization_name=organization.name,
        details={"organization": organization.name, **details},
    )
