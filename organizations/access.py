"""Who reaches an organisation's management pages, with one clear answer for everyone else.

Stack `@two_factor_required`, `@reauthentication_required`, then
`@managed_organization(...)`: someone who is not a member gets 404 (staff
included: staff moderate in the admin), a member whose role is not enough
gets 403 saying why, another spelling of the name is redirected to the
canonical one. The view receives the organisation and the user's role.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext

from .errors import only_role_message
from .models import OrganizationRole
from .selectors import MANAGERS, organization_get, user_organization_role

Role = OrganizationRole.Role
EVERYONE = tuple(Role.values)


def managed_organization(*, what, roles=EVERYONE):
    """View decorator: resolve `name` to an organisation the user belongs to with one of `roles`."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, name, *args, **kwargs):
            organization = organization_get(name=name)
            role = user_organization_role(user=request.user, organization=organization)
            if role is None:
                raise Http404(gettext("No such organisation among yours."))
            if role not in roles:
                refusal = only_role_message(roles=roles, organization=organization, what=what)
                advice = gettext("You are a %(role)s: ask an Owner if this needs changing.") % {
                    "role": Role(role).label
                }
                raise PermissionDenied(" ".join((refusal, advice)))
            if organization.name != name:
                return redirect(request.resolver_match.view_name, name=organization.name, **kwargs)
            return view(request, organization, role, *args, **kwargs)

        return wrapped

    return decorate


__all__ = ["managed_organization", "EVERYONE", "MANAGERS"]
