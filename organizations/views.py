"""Organisation pages under /manage/organizations/ and /manage/organization/<name>/.

Thin views: bind the form, call a service, render. Every page needs 2FA and
a recent authentication; who reaches which page is decided in `access`; what
each role may do is decided by the services, whose refusals are shown here.
The projects page is packages' and the tokens page is tokens' (they know
what this app does not).
"""

from django.utils.translation import gettext, gettext_lazy
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.membership_pages import MembershipPage
from accounts.page_actions import posted_action, posted_form
from accounts.selectors import organization_security_history
from mfa.decorators import reauthentication_required, two_factor_required

from . import selectors, services
from .access import MANAGERS, managed_organization
from .errors import OrganizationError
from .forms import (
    DeleteForm,
    InviteForm,
    MemberForm,
    OrganizationCreateForm,
    OrganizationDetailsForm,
    PolicyForm,
    ProvenanceForm,
    ReadingForm,
    RenameForm,
    RoleChangeForm,
    TeamMemberForm,
    TeamNameForm,
    VisibilityForm,
)
from .models import OrganizationRole
from .services.members import MEMBERS

HISTORY_PAGE_SIZE = 50


def _dispatch(request, actions, *context_args):
    """Run the POSTed action: the status to answer with, or None after a success (the page redirects)."""
    return posted_action(request, actions, *context_args, error=OrganizationError)[0]


def _person(form, field="user"):
    user = get_user_model().objects.filter(pk=form.cleaned_data[field]).first()
    if user is None:
        raise OrganizationError(gettext("That person does not exist (any more)."))
    return user


# --- the list of one's organisations, creation, invitations ---------------------


@two_factor_required
def organizations(request):
    form = OrganizationCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                organization = services.organization_create(request=request, user=request.user, **form.cleaned_data)
            except OrganizationError as error:
                form.add_error("name", error.message)
            else:
                if organization.is_active:
                    messages.success(request, gettext("Organisation %(name)s created. You are its Owner.") % {"name": organization.name})
                else:
                    messages.success(
                        request,
                        gettext(
                            "Organisation %(organization)s created. It waits for approval by the site's staff before it can invite people, own projects or hold tokens."
                        )
                        % {"organization": organization.name},
                    )
                return redirect("organizations:people", name=organization.name)
        status = 400
    context = {
        "form": form,
        "roles": selectors.user_organizations(user=request.user),
        "invitations": selectors.user_pending_organization_invitations(user=request.user),
    }
    return render(request, "organizations/list.html", context, status=status)


# --- people ---------------------------------------------------------------------


PEOPLE = MembershipPage(
    kind=MEMBERS,
    error=OrganizationError,
    invite_form=InviteForm,
    role_change_form=RoleChangeForm,
    removed=gettext_lazy("%(username)s was removed from %(name)s and from its projects."),
    accepted=gettext_lazy("You are now %(role)s of %(name)s."),
    invitation_template="organizations/invitation.html",
    pending_url="organizations:list",
    pending_page=gettext_lazy("your organisations page"),
    after_accept=lambda invitation: reverse("organizations:people", kwargs={"name": invitation.organization.name}),
)
INVITATION_PAGES = PEOPLE.invitation_pages()
invitation_respond = never_cache(two_factor_required(INVITATION_PAGES.respond))
invitation_answer = require_POST(two_factor_required(INVITATION_PAGES.answer_signed_in))


def _visibility(request, form, organization):
    public = form.cleaned_data["is_public"]
    services.member_visibility_set(user=request.user, organization=organization, is_public=public)
    return (
        gettext("Your membership is now shown on the public page.")
        if public
        else gettext("Your membership is now hidden.")
    )


PEOPLE_ACTIONS = {**PEOPLE.actions, "visibility": (VisibilityForm, _visibility)}


@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("see its people"))
def people(request, organization, role):
    status = 200
    if request.method == "POST":
        status = _dispatch(request, PEOPLE_ACTIONS, organization)
        if status is None:
            return redirect("organizations:people", name=organization.name)
    own = OrganizationRole.objects.get(organization=organization, user=request.user)
    context = {
        "organization": organization,
        "role": role,
        "roles": selectors.organization_roles(organization=organization),
        "invitations": selectors.organization_pending_invitations(organization=organization),
        "invite_form": InviteForm(),
        "role_form": RoleChangeForm(),
        "visibility_form": VisibilityForm(initial={"is_public": own.is_public}),
    }
    return render(request, "organizations/people.html", context, status=status)


@require_POST
@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("leave it"))
def leave(request, organization, role):
    try:
        services.role_remove(request=request, actor=request.user, organization=organization, user=request.user)
    except OrganizationError as error:
        messages.error(request, error.message)
        return redirect("organizations:people", name=organization.name)
    messages.success(
        request, gettext("You left %(name)s. You no longer work on its projects.") % {"name": organization.name}
    )
    return redirect("organizations:list")


# --- teams ----------------------------------------------------------------------


def _team_create(request, form, organization):
    team = services.team_create(
        request=request, actor=request.user, organization=organization, name=form.cleaned_data["name"]
    )
    return gettext("Team %(team)s created.") % {"team": team.name}


@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("see its teams"))
def teams(request, organization, role):
    status = 200
    if request.method == "POST":
        status = _dispatch(request, {"create": (TeamNameForm, _team_create)}, organization)
        if status is None:
            return redirect("organizations:teams", name=organization.name)
    context = {
        "organization": organization,
        "role": role,
        "can_manage": role in MANAGERS,
        "teams": selectors.organization_teams(organization=organization),
        "form": TeamNameForm(),
    }
    return render(request, "organizations/teams.html", context, status=status)


def _team_member_add(request, form, team):
    user = get_user_model().objects.filter(username__iexact=form.cleaned_data["username"].strip()).first()
    if user is None:
        raise OrganizationError(
            gettext("No account is called '%(username)s'.") % {"username": form.cleaned_data["username"]}
        )
    services.team_member_add(request=request, actor=request.user, team=team, user=user)
    return gettext("%(username)s added to %(team)s.") % {"username": user.username, "team": team.name}


def _team_member_remove(request, form, team):
    user = _person(form)
    services.team_member_remove(request=request, actor=request.user, team=team, user=user)
    return gettext("%(username)s removed from %(team)s.") % {"username": user.username, "team": team.name}


def _team_rename(request, form, team):
    services.team_rename(request=request, actor=request.user, team=team, name=form.cleaned_data["name"])
    return gettext("The team is now called %(name)s.") % {"name": " ".join(form.cleaned_data["name"].split())}


TEAM_ACTIONS = {
    "add-member": (TeamMemberForm, _team_member_add),
    "remove-member": (MemberForm, _team_member_remove),
    "rename": (TeamNameForm, _team_rename),
}


@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("see its teams"))
def team(request, organization, role, team_id):
    team = selectors.organization_teams(organization=organization).filter(pk=team_id).first()
    if team is None:
        raise Http404(gettext("No such team in this organisation."))
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            try:
                services.team_delete(request=request, actor=request.user, team=team)
            except OrganizationError as error:
                messages.error(request, error.message)
                status = error.status
            else:
                messages.success(
                    request,
                    gettext("Team %(name)s deleted; its roles on projects are gone with it.") % {"name": team.name},
                )
                return redirect("organizations:teams", name=organization.name)
        else:
            status = _dispatch(request, TEAM_ACTIONS, team)
            if status is None:
                return redirect("organizations:team", name=organization.name, team_id=team.pk)
    context = {
        "organization": organization,
        "role": role,
        "can_manage": role in MANAGERS,
        "team": team,
        "member_form": TeamMemberForm(),
        "rename_form": TeamNameForm(initial={"name": team.name}),
    }
    return render(request, "organizations/team.html", context, status=status)


# --- settings and history -------------------------------------------------------


def _rename(request, form, organization):
    renamed = services.organization_rename(
        request=request, actor=request.user, organization=organization, name=form.cleaned_data["name"]
    )
    messages.success(
        request,
        gettext("The organisation is now called %(name)s; its pages have moved to the new name.") % {"name": renamed.name},
    )
    return redirect("organizations:settings", name=renamed.name)


def _delete(request, form, organization):
    services.organization_delete(
        request=request, actor=request.user, organization=organization, confirm=form.cleaned_data["confirm"]
    )
    messages.success(
        request, gettext("The organisation %(name)s was deleted; its name is free again.") % {"name": organization.name}
    )
    return redirect("organizations:list")


def _details(request, form, organization):
    services.organization_update(request=request, actor=request.user, organization=organization, **form.cleaned_data)
    messages.success(request, gettext("The organisation's details were saved."))
    return redirect("organizations:settings", name=organization.name)


def _policy(request, form, organization):
    on = form.cleaned_data["require_security_key"]
    services.organization_policy_set(request=request, actor=request.user, organization=organization, require_security_key=on)
    messages.success(
        request,
        gettext("Members now need a security key to manage the organisation's projects.")
        if on
        else "Members no longer need a security key to manage the organisation's projects.",
    )
    return redirect("organizations:settings", name=organization.name)


def _provenance(request, form, organization):
    on = form.cleaned_data["provenance_required"]
    services.organization_provenance_set(request=request, actor=request.user, organization=organization, required=on)
    messages.success(
        request,
        gettext("New files of the organisation's projects now need verified provenance.")
        if on
        else gettext("New files of the organisation's projects no longer need verified provenance."),
    )
    return redirect("organizations:settings", name=organization.name)


def _reading(request, form, organization):
    services.organization_reading_set(request=request, actor=request.user, organization=organization, **form.cleaned_data)
    messages.success(request, gettext("Who reads the organisation's projects was saved."))
    return redirect("organizations:settings", name=organization.name)


@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("change its settings"), roles=(OrganizationRole.Role.OWNER,))
def organization_settings(request, organization, role):
    forms = {
        "details": OrganizationDetailsForm(instance=organization),
        "policy": PolicyForm(initial={"require_security_key": organization.require_security_key}),
        "provenance": ProvenanceForm(initial={"provenance_required": organization.provenance_required}),
        "reading": ReadingForm(
            initial={"members_read_all": organization.members_read_all, "private_by_default": organization.private_by_default}
        ),
        "rename": RenameForm(),
        "delete": DeleteForm(),
    }
    status = 200
    if request.method == "POST":
        actions = {
            "rename": (RenameForm, _rename, "name"),
            "delete": (DeleteForm, _delete, "confirm"),
            "details": (
                lambda data: OrganizationDetailsForm(data, instance=selectors.organization_get(name=organization.name)),
                _details,
                None,
            ),
            "policy": (PolicyForm, _policy, None),
            "provenance": (ProvenanceForm, _provenance, None),
            "reading": (ReadingForm, _reading, None),
        }
        response, form = posted_form(request, actions, organization, error=OrganizationError)
        if response is not None:
            return response
        if form is not None:
            forms[request.POST["action"]] = form
        status = 400
    context = {"organization": organization, **{f"{name}_form": form for name, form in forms.items()}}
    return render(request, "organizations/settings.html", context, status=status)


@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("see its security history"), roles=MANAGERS)
def history(request, organization, role):
    page = Paginator(organization_security_history(organization.name, since=organization.created), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "organizations/history.html", {"organization": organization, "page": page, "events": page})


@two_factor_required
@managed_organization(what=gettext_lazy("see it"))
def organization_home(request, organization, role):
    return redirect("organizations:people", name=organization.name)
