"""Who reaches a project's management pages, with one clear answer for everyone else.

Stack `@two_factor_required`, `@reauthentication_required` where needed, then
`@managed_project(...)`: a person without a role gets 404 (a project's
management does not exist for strangers, staff included: staff moderate in the
admin), a Maintainer gets 403 saying why when the page is for Owners, anyone
an organisation's policy refuses gets 403 with the policy's message, and
another spelling of the name is redirected to the canonical one. An Owners' page
of a quarantined project can be read, and refuses every change with 403. The view
receives the project (and the user's role) instead of the name.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from packaging.utils import canonicalize_name

from .selectors import management_refusal, quarantine_refusal, user_project_role
from ..models import Project, ProjectRole


def managed_project(*, what, owner=True):
    """View decorator: resolve `name` to a project the user manages; `what` completes "Only an Owner of X can …"."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, name, *args, **kwargs):
            project = get_object_or_404(Project, normalized_name=canonicalize_name(name))
            role = user_project_role(user=request.user, project=project)
            if role is None:
                raise Http404(gettext("No such project among yours."))
            if owner and role != ProjectRole.Role.OWNER:
                raise PermissionDenied(
                    gettext(
                        "Only an Owner of %(project)s can %(what)s. You are a %(role)s: ask an Owner if this needs changing."
                    )
                    % {"project": project.name, "what": what, "role": ProjectRole.Role(role).label}
                )
            refusal = management_refusal(user=request.user, project=project)
            if owner and request.method not in ("GET", "HEAD"):
                refusal = refusal or quarantine_refusal(project=project)
            if refusal:
                raise PermissionDenied(refusal)
            if project.normalized_name != name:
                return redirect(request.resolver_match.view_name, name=project.normalized_name, **kwargs)
            return view(request, project, role, *args, **kwargs)

        return wrapped

    return decorate
