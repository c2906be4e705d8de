"""Owners' management pages: their projects, releases (yank, un-yank, remove) and security history.

Thin views: bind the form, call a service in packages.services, render. Every
page needs 2FA; the releases page, which can remove files, also needs a fresh
authentication ("sudo mode").
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from packaging.utils import canonicalize_name

from accounts.selectors import project_security_history
from mfa.decorators import reauthentication_required, two_factor_required

from .. import services
from ..collaboration.selectors import user_project_role
from ..errors import PackagesError
from .forms import ACTIONS
from ..models import File, Project, ProjectRole, Release


def _project_for(request, name, *, owner=True):
    project = get_object_or_404(Project, normalized_name=canonicalize_name(name))
    role = user_project_role(user=request.user, project=project)
    if role is None:
        raise Http404("No such project among yours.")
    if owner and role != ProjectRole.Role.OWNER:
        raise PermissionDenied("Only an Owner of this project can manage its releases.")
    if project.normalized_name != name:
        return project, True
    return project, False


@two_factor_required
def projects(request):
    roles = (
        ProjectRole.objects.filter(user=request.user)
        .select_related("project")
        .annotate(release_count=Count("project__releases", distinct=True))
        .order_by("project__normalized_name")
    )
    return render(request, "packages/manage/projects.html", {"roles": roles})


def _perform(request, project, action, form):
    data = form.cleaned_data
    user = request.user
    if "release" in data:
        release = Release.objects.filter(project=project, pk=data["release"]).first()
        if release is None:
            raise PackagesError("That release does not exist (any more).")
        if action == "yank":
            services.release_yank(request=request, user=user, release=release, reason=data["reason"])
            return f"Release {release.version} yanked."
        if action == "unyank":
            services.release_unyank(request=request, user=user, release=release)
            return f"Release {release.version} un-yanked."
        if data["confirm"].strip() != release.version:
            raise PackagesError(f"Type the version {release.version!r} exactly to remove that release.")
        services.release_remove(request=request, user=user, release=release)
        return f"Release {release.version} and its files removed. Their filenames can never be uploaded again."
    file = File.objects.filter(release__project=project, pk=data["file"]).first()
    if file is None:
        raise PackagesError("That file does not exist (any more).")
    if data["confirm"].strip() != file.filename:
        raise PackagesError(f"Type the filename {file.filename!r} exactly to remove that file.")
    services.file_remove(request=request, user=user, file=file)
    return f"File {file.filename} removed. Its filename can never be uploaded again."


@two_factor_required
@reauthentication_required
def releases(request, name):
    project, renamed = _project_for(request, name)
    if renamed:
        return redirect("packages:manage-releases", name=project.normalized_name)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class = ACTIONS.get(action)
        form = form_class(request.POST) if form_class else None
        if form is not None and form.is_valid():
            try:
                messages.success(request, _perform(request, project, action, form))
                return redirect("packages:manage-releases", name=project.normalized_name)
            except PackagesError as error:
                messages.error(request, error.message)
        else:
            messages.error(request, "That request was incomplete; nothing was changed.")
        status = 400
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


@two_factor_required
def history(request, name):
    project, renamed = _project_for(request, name)
    if renamed:
        return redirect("packages:manage-history", name=project.normalized_name)
    events = project_security_history(project.normalized_name)[:500]
    return render(request, "packages/manage/history.html", {"project": project, "events": events})
