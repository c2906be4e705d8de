"""Owners' management pages: their projects, releases (yank, un-yank, remove), settings and security history.

Thin views: bind the form, call a service, render. Every page needs 2FA; the
pages that change a project also need a fresh authentication ("sudo mode").
Who may open which page is decided once, in `access.managed_project`.
"""

from django.utils.translation import gettext, gettext_lazy
from django.contrib import messages
from django.forms import Form
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Sum
from django.shortcuts import redirect, render

from accounts.page_actions import posted_action, posted_form
from accounts.selectors import project_security_history
from mfa.decorators import reauthentication_required, two_factor_required
from tokens.publishing import selectors as publishing
from tokens.publishing import services as publishing_services
from tokens.publishing.errors import PublisherError
# A publisher's fields are tokens.publishing's to define (one form per kind of CI); this page only shows them.
from tokens.publishing.forms import publisher_forms

from .. import services
from ..collaboration.access import managed_project
from ..collaboration.selectors import user_pending_invitations
from ..organization_projects.selectors import organization_projects_of
from ..errors import PackagesError
from ..models import File, ProjectRole, Release
from ..provenance.forms import ProvenancePolicyForm
from ..provenance.services import project_provenance_policy_set
from ..visibility.services import project_visibility_set
from .forms import ACTIONS, ProjectDeleteForm, ProjectVisibilityForm

HISTORY_PAGE_SIZE = 50


@two_factor_required
def projects(request):
    roles = (
        ProjectRole.objects.filter(user=request.user)
        .select_related("project")
        .annotate(release_count=Count("project__releases", distinct=True))
        .order_by("project__normalized_name")
    )
    context = {
        "roles": roles,
        "invitations": user_pending_invitations(user=request.user),
        "through_organizations": organization_projects_of(user=request.user, exclude=[r.project_id for r in roles]),
    }
    return render(request, "packages/manage/projects.html", context)


def _perform(request, form, project):
    action = request.POST["action"]
    data = form.cleaned_data
    user = request.user
    if "release" in data:
        release = Release.objects.filter(project=project, pk=data["release"]).first()
        if release is None:
            raise PackagesError(gettext("That release does not exist (any more)."))
        if action == "yank":
            services.release_yank(request=request, user=user, release=release, reason=data["reason"])
            return gettext("Release %(version)s yanked.") % {"version": release.version}
        if action == "unyank":
            services.release_unyank(request=request, user=user, release=release)
            return gettext("Release %(version)s un-yanked.") % {"version": release.version}
        if data["confirm"].strip() != release.version:
            raise PackagesError(
                gettext("Type the version '%(version)s' exactly to remove that release.") % {"version": release.version}
            )
        services.release_remove(request=request, user=user, release=release)
        return gettext("Release %(version)s and its files removed. Their filenames can never be uploaded again.") % {
            "version": release.version
        }
    file = File.objects.filter(release__project=project, pk=data["file"]).first()
    if file is None:
        raise PackagesError(gettext("That file does not exist (any more)."))
    if data["confirm"].strip() != file.filename:
        raise PackagesError(
            gettext("Type the filename '%(filename)s' exactly to remove that file.") % {"filename": file.filename}
        )
    services.file_remove(request=request, user=user, file=file)
    return gettext("File %(filename)s removed. Its filename can never be uploaded again.") % {"filename": file.filename}


RELEASE_ACTIONS = {action: (form, _perform) for action, form in ACTIONS.items()}


@two_factor_required
@reauthentication_required
@managed_project(what=gettext_lazy("manage its releases"))
def releases(request, project, role):
    status = 200
    if request.method == "POST":
        status, _ = posted_action(request, RELEASE_ACTIONS, project, error=PackagesError, refusal_status=400)
        if status is None:
            return redirect("packages:manage-releases", name=project.normalized_name)
    release_list = (
        project.releases.prefetch_related(Prefetch("files", queryset=File.objects.order_by("filename")))
        .annotate(size=Sum("files__size"))
        .order_by("-created")
    )
    return render(
        request,
        "packages/manage/releases.html",
        {"project": project, "releases": release_list, "forms": {k: v() for k, v in ACTIONS.items()}},
        status=status,
    )


def _visibility(request, form, project):
    project_visibility_set(request=request, actor=request.user, project=project, private=form.private)
    message = (
        gettext("%(name)s is now private: only its people and tokens scoped to it can read it.")
        if form.private
        else gettext("%(name)s is now public: anyone can read and install it.")
    )
    messages.success(request, message % {"name": project.name})
    return redirect("packages:manage-settings", name=project.normalized_name)


def _provenance(request, form, project):
    project_provenance_policy_set(request=request, actor=request.user, project=project, required=form.required)
    message = (
        gettext("%(name)s now accepts only files with a verified attestation from its trusted publishers.")
        if form.required
        else gettext("%(name)s now accepts files without attestations again.")
    )
    messages.success(request, message % {"name": project.name})
    return redirect("packages:manage-settings", name=project.normalized_name)


def _archive(request, form, project):
    services.project_archive(request=request, user=request.user, project=project)
    messages.success(
        request, gettext("%(name)s is archived: uploads are refused, installs still work.") % {"name": project.name}
    )
    return redirect("packages:manage-settings", name=project.normalized_name)


def _unarchive(request, form, project):
    services.project_unarchive(request=request, user=request.user, project=project)
    messages.success(
        request, gettext("%(name)s is no longer archived: uploads are accepted again.") % {"name": project.name}
    )
    return redirect("packages:manage-settings", name=project.normalized_name)


def _delete(request, form, project):
    services.project_remove(request=request, user=request.user, project=project)
    messages.success(
        request,
        gettext(
            "Project %(project)s deleted. Its filenames can never be uploaded again; its name is free for a new project."
        )
        % {"project": project.name},
    )
    return redirect("packages:manage-projects")


@two_factor_required
@reauthentication_required
@managed_project(what=gettext_lazy("change its settings"))
def project_settings(request, project, role):
    forms = {
        "delete": ProjectDeleteForm(project=project),
        "visibility": ProjectVisibilityForm(project=project),
        "provenance": ProvenancePolicyForm(project=project),
    }
    status = 200
    if request.method == "POST":
        actions = {
            "visibility": (lambda data: ProjectVisibilityForm(data, project=project), _visibility, None),
            "provenance": (lambda data: ProvenancePolicyForm(data, project=project), _provenance, None),
            "archive": (Form, _archive, None),  # no fields: the button is the whole request
            "unarchive": (Form, _unarchive, None),
            "delete": (lambda data: ProjectDeleteForm(data, project=project), _delete, None),
        }
        response, form = posted_form(request, actions, project, error=PackagesError)
        if response is not None:
            return response
        if request.POST.get("action") in forms:  # the visibility, provenance or delete form, with its errors
            forms[request.POST["action"]] = form
        status = 400
    context = {
        "project": project,
        "delete_form": forms["delete"],
        "visibility_form": forms["visibility"],
        "provenance_form": forms["provenance"],
        "publishers": publishing.project_publishers(project.normalized_name),
    }
    return render(request, "packages/manage/settings.html", context, status=status)


@two_factor_required
@managed_project(what=gettext_lazy("see its security history"))
def history(request, project, role):
    page = Paginator(project_security_history(project.normalized_name), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "packages/manage/history.html", {"project": project, "page": page, "events": page})


@two_factor_required
@reauthentication_required
@managed_project(what=gettext_lazy("manage its trusted publishers"))
def publishing_page(request, project, role):
    """Trusted publishers of a project: Owners add and remove them, and copy the workflow for each."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    kind = request.POST.get("kind") if action == "add" else None
    forms = publisher_forms(request.POST if kind else None, kind=kind)
    status = 200
    if action == "add" and kind in forms and forms[kind].is_valid():
        try:
            publisher = publishing_services.publisher_add(
                request=request,
                user=request.user,
                project_name=project.normalized_name,
                kind=kind,
                fields=forms[kind].cleaned_data,
            )
        except PublisherError as error:
            forms[kind].add_error(None, str(error))
            status = 400
        else:
            messages.success(
                request, gettext("Trusted publisher added: %(description)s.") % {"description": publisher.description}
            )
            if warning := publishing.owner_id_warning(publisher):
                messages.warning(request, warning)
            return redirect("packages:manage-publishing", name=project.normalized_name)
    elif action == "remove":
        publisher = publishing.project_publisher(project.normalized_name, request.POST.get("publisher"))
        if publisher is None:
            messages.error(request, gettext("That publisher does not exist (any more)."))
            status = 400
        else:
            publishing_services.publisher_remove(request=request, user=request.user, publisher=publisher)
            messages.success(
                request,
                gettext("Trusted publisher removed: %(description)s. Its tokens stop working now.")
                % {"description": publisher.description},
            )
            return redirect("packages:manage-publishing", name=project.normalized_name)
    elif request.method == "POST":
        if kind not in forms:
            messages.error(request, gettext("That request was incomplete; nothing was changed."))
        status = 400
    publishers = [(p, publishing.workflow_snippet(p)) for p in publishing.project_publishers(project.normalized_name)]
    return render(
        request,
        "packages/manage/publishing.html",
        {"project": project, "publishers": publishers, "forms": forms},
        status=status,
    )
