"""The collaboration pages: an Owner invites, re-roles and removes people; an invitee answers; anyone leaves.

Thin views: bind the form, call a service in collaboration.services, render.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.utils.translation import gettext, gettext_lazy

from accounts.invitation_views import InvitationPages
from accounts.page_actions import posted_action
from mfa.decorators import reauthentication_required, two_factor_required

from ..errors import PackagesError
from . import selectors, services
from .access import managed_project
from .forms import InvitationRevokeForm, InviteForm, RoleChangeForm, RoleRemoveForm
from ..models import ProjectRole, RoleInvitation


def _member(project, form):
    user = get_user_model().objects.filter(pk=form.cleaned_data["user"]).first()
    if user is None:
        raise PackagesError(gettext("That person does not exist (any more)."))
    return user


def _invite(request, form, project):
    role = form.cleaned_data["role"]
    invitation = services.invitation_create(
        request=request, actor=request.user, project=project, who=form.cleaned_data["who"], role=role
    )
    return gettext("Invitation sent to %(username)s as %(role)s. It is valid for 7 days.") % {
        "username": invitation.invitee.username,
        "role": ProjectRole.Role(role).label,
    }


def _change(request, form, project):
    user = _member(project, form)
    role = form.cleaned_data["role"]
    services.role_change(request=request, actor=request.user, project=project, user=user, role=role)
    return gettext("%(username)s is now %(role)s of %(name)s.") % {
        "username": user.username,
        "role": ProjectRole.Role(role).label,
        "name": project.name,
    }


def _remove(request, form, project):
    user = _member(project, form)
    services.role_remove(request=request, actor=request.user, project=project, user=user)
    return gettext("%(username)s was removed from %(project)s; their API tokens no longer work on it.") % {
        "username": user.username,
        "project": project.name,
    }


def _revoke(request, form, project):
    invitation = RoleInvitation.objects.filter(project=project, pk=form.cleaned_data["invitation"]).first()
    if invitation is None:
        raise PackagesError(gettext("That invitation does not exist (any more)."))
    services.invitation_revoke(request=request, actor=request.user, invitation=invitation)
    return gettext("The invitation of %(username)s was revoked; its link no longer works.") % {
        "username": invitation.invitee.username
    }


ACTIONS = {
    "invite": (InviteForm, _invite),
    "change-role": (RoleChangeForm, _change),
    "remove": (RoleRemoveForm, _remove),
    "revoke-invitation": (InvitationRevokeForm, _revoke),
}


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


def _answer(request, invitation, answer):
    if answer == "accept":
        services.invitation_accept(request=request, user=request.user, invitation=invitation)
        messages.success(
            request,
            gettext("You now work on %(name)s as %(role)s.")
            % {"name": invitation.project.name, "role": ProjectRole.Role(invitation.role).label},
        )
    else:
        services.invitation_decline(request=request, user=request.user, invitation=invitation)
        messages.success(
            request, gettext("You declined the invitation to %(name)s.") % {"name": invitation.project.name}
        )
    return redirect("packages:manage-projects")


INVITATION_PAGES = InvitationPages(
    from_link=services.invitation_from_link,
    answer=_answer,
    own_invitation=lambda user, pk: RoleInvitation.objects.filter(pk=pk, invitee=user).first(),
    error=PackagesError,
    template="packages/collaboration/invitation.html",
    pending_url="packages:manage-projects",
    pending_page=gettext_lazy("your projects page"),
)
invitation_respond = never_cache(two_factor_required(INVITATION_PAGES.respond))
invitation_answer = require_POST(two_factor_required(INVITATION_PAGES.answer_signed_in))

