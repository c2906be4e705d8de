"""The collaboration pages: an Owner invites, re-roles and removes people; an invitee answers; anyone leaves.

Thin views: bind the form, call a service in collaboration.services, render.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.utils.translation import gettext, gettext_lazy

from accounts.membership_pages import MembershipPage
from accounts.page_actions import posted_action
from mfa.decorators import reauthentication_required, two_factor_required

from ..errors import PackagesError
from . import selectors, services
from .access import managed_project
from .forms import InviteForm, RoleChangeForm


PEOPLE = MembershipPage(
    kind=services.PROJECT_MEMBERS,
    error=PackagesError,
    invite_form=InviteForm,
    role_change_form=RoleChangeForm,
    removed=gettext_lazy("%(username)s was removed from %(project)s; their API tokens no longer work on it."),
    accepted=gettext_lazy("You now work on %(name)s as %(role)s."),
    invitation_template="packages/collaboration/invitation.html",
    pending_url="packages:manage-projects",
    pending_page=gettext_lazy("your projects page"),
)
ACTIONS = PEOPLE.actions


@two_factor_required
@reauthentication_required
@managed_project(what=gettext_lazy("manage its collaborators"))
def collaboration(request, project, role):
    invite_form = InviteForm()
    status = 200
    if request.method == "POST":
        status, form = posted_action(request, ACTIONS, project, error=PackagesError, refusal_status=400)
        if status is None:
            return redirect("packages:manage-collaboration", name=project.normalized_name)
        if request.POST.get("action") == "invite" and form is not None:
            invite_form = form
    context = {
        "project": project,
        "roles": selectors.project_roles(project=project),
        "invitations": selectors.project_pending_invitations(project=project),
        "invite_form": invite_form,
        "role_form": RoleChangeForm(),
    }
    return render(request, "packages/collaboration/collaboration.html", context, status=status)


@require_POST
@two_factor_required
@reauthentication_required
@managed_project(what=gettext_lazy("leave it"), owner=False)
def leave(request, project, role):
    try:
        services.role_remove(request=request, actor=request.user, project=project, user=request.user)
    except PackagesError as error:
        messages.error(request, error.message)
        return redirect("packages:manage-projects")
    messages.success(
        request, gettext("You left %(name)s. Your API tokens no longer work on it.") % {"name": project.name}
    )
    return redirect("packages:manage-projects")


INVITATION_PAGES = PEOPLE.invitation_pages()
invitation_respond = never_cache(two_factor_required(INVITATION_PAGES.respond))
invitation_answer = require_POST(two_factor_required(INVITATION_PAGES.answer_signed_in))

