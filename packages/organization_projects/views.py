"""The organisation's projects: its public page /org/<name>/ and /manage/organization/<name>/projects/."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from accounts.page_actions import posted_action
from mfa.decorators import reauthentication_required, two_factor_required
from organizations import selectors as organizations
from organizations.access import MANAGERS, managed_organization
from organizations.models import OrganizationRole, Team

from ..errors import NotAllowed, PackagesError
from ..models import Project, ProjectRole
from ..reading.rules import readable
from ..reading.views import page_read
from ..selectors import project_summaries
from . import selectors, services
from .forms import ProjectCreateForm, TeamRoleForm, TeamRoleRemoveForm, TransferInForm, TransferOutForm


@page_read
def organization_page(request, name):
    """Public: the organisation, the projects the reader may read and the members who chose to be listed."""
    organization = organizations.organization_get_public(name=name)
    if organization is None:
        raise Http404(gettext("No such organisation."))
    if organization.name != name:
        return redirect("packages:organization", name=organization.name)
    projects = list(readable(request.reader, selectors.organization_projects(organization=organization, visible_only=True)))
    summaries = project_summaries(projects)
    context = {
        "organization": organization,
        "projects": [(project, summaries.get(project.pk, "")) for project in projects],
        "members": organizations.organization_public_members(organization=organization),
    }
    return render(request, "packages/organization.html", context)


def _project(organization, form):
    project = Project.objects.filter(pk=form.cleaned_data["project"], organization=organization).first()
    if project is None:
        raise PackagesError(gettext("That project does not belong to the organisation (any more)."))
    return project


def _team(organization, form):
    team = Team.objects.filter(pk=form.cleaned_data["team"], organization=organization).first()
    if team is None:
        raise PackagesError(gettext("That team does not exist (any more)."))
    return team


def _confirmed(project, form):
    if form.cleaned_data["confirm"].strip() != project.name:
        raise PackagesError(
            gettext("Type the project's name '%(project)s' exactly to confirm.") % {"project": project.name}
        )


def _set_role(request, form, organization):
    project, team, role = _project(organization, form), _team(organization, form), form.cleaned_data["role"]
    services.team_project_role_set(request=request, actor=request.user, team=team, project=project, role=role)
    return gettext("The team %(team)s is now %(role)s of %(project)s.") % {
        "team": team.name,
        "role": ProjectRole.Role(role).label,
        "project": project.name,
    }


def _remove_role(request, form, organization):
    project, team = _project(organization, form), _team(organization, form)
    services.team_project_role_remove(request=request, actor=request.user, team=team, project=project)
    return gettext("The team %(team)s no longer has a role on %(project)s.") % {
        "team": team.name,
        "project": project.name,
    }


def _transfer_in(request, form, organization):
    project = Project.objects.filter(pk=form.cleaned_data["project"]).first()
    if project is None:
        raise PackagesError(gettext("That project does not exist (any more)."))
    _confirmed(project, form)
    services.project_transfer_in(request=request, actor=request.user, project=project, organization=organization)
    return gettext("%(project)s now belongs to %(organization)s.") % {
        "project": project.name,
        "organization": organization.name,
    }


def _transfer_out(request, form, organization):
    project = _project(organization, form)
    _confirmed(project, form)
    services.project_transfer_out(request=request, actor=request.user, project=project)
    return gettext("%(project)s no longer belongs to %(organization)s.") % {
        "project": project.name,
        "organization": organization.name,
    }


ACTIONS = {
    "team-role": (TeamRoleForm, _set_role),
    "remove-team-role": (TeamRoleRemoveForm, _remove_role),
    "transfer-in": (TransferInForm, _transfer_in),
    "transfer-out": (TransferOutForm, _transfer_out),
}


@two_factor_required
@reauthentication_required
@managed_organization(what=gettext_lazy("see its projects"))
def organization_projects(request, organization, role):
    status = 200
    create_form = ProjectCreateForm()
    if request.method == "POST" and request.POST.get("action") == "create-project":
        create_form = ProjectCreateForm(request.POST)
        if create_form.is_valid():
            try:
                project = services.organization_project_create(
                    request=request, actor=request.user, organization=organization, name=create_form.cleaned_data["name"]
                )
            except NotAllowed as error:  # the form is not even shown to them
                messages.error(request, error.message)
                status = error.status
            except PackagesError as error:
                create_form.add_error("name", error.message)
                status = error.status
            else:
                messages.success(
                    request,
                    gettext("The project %(project)s was created; it belongs to %(organization)s and waits for its first upload.")
                    % {"project": project.name, "organization": organization.name},
                )
                return redirect("packages:organization-projects", name=organization.name)
        else:
            status = 400
    elif request.method == "POST":
        status, _ = posted_action(request, ACTIONS, organization, error=PackagesError)
        if status is None:
            return redirect("packages:organization-projects", name=organization.name)
    context = {
        "organization": organization,
        "role": role,
        "can_manage": role in MANAGERS,
        "is_owner": role == OrganizationRole.Role.OWNER,
        "projects": selectors.organization_projects(organization=organization),
        "teams": organizations.organization_teams(organization=organization),
        "movable": selectors.projects_user_may_move_in(user=request.user) if role == OrganizationRole.Role.OWNER else [],
        "role_form": TeamRoleForm(),
        "create_form": create_form,
    }
    return render(request, "packages/organization_projects.html", context, status=status)
