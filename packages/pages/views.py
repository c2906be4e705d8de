"""The public pages people read: a project and its releases, a user's projects, search."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.utils.translation import gettext
from packaging.utils import canonicalize_name

from .. import selectors
from ..collaboration.selectors import user_project_role
from ..models import Project
from ..provenance import selectors as provenance_selectors
from ..reading.rules import readable
from ..upstream import blocks as upstream_blocks
from ..upstream import names as upstream_names
from ..upstream import pages as upstream_pages
from ..upstream.models import UpstreamProject
from ..reading.views import page_read
from .readme import description_accessible



def _project_or_404(request, name):
    """The project, or the same 404 as for a name nobody has when the reader may not read it."""
    project = selectors.project_get_visible(name=name)
    if project is None or not request.reader.may_read(name=project.normalized_name, private=project.private):
        raise Http404(gettext("No such project."))
    return project


def _safe_links(release):
    """(label, url) of the release's project URLs; only http(s), so no link can run script."""
    meta = (release.metadata or {}) if release else {}
    links = []
    if meta.get("home_page"):
        links.append(("Homepage", meta["home_page"]))
    urls = meta.get("project_urls") or {}
    if isinstance(urls, dict):
        links.extend(urls.items())
    return [(label, url) for label, url in links if str(url).lower().startswith(("https://", "http://"))]


def _classifier_groups(classifiers):
    """[(group, [rest, ...]), ...]: "License :: OSI Approved" goes under "License"."""
    groups = {}
    for classifier in classifiers:
        head, _, rest = str(classifier).partition(" :: ")
        groups.setdefault(head, []).append(rest or head)
    return sorted(groups.items())


def initials(user):
    """One or two letters standing for `user` in an avatar drawn by the page itself (no external service)."""
    words = (user.name or "").split() or [user.username]
    letters = "".join(word[0] for word in words if word[:1].isalnum())[:2] or user.username[:1]
    return letters.upper()


@require_safe
@page_read
def project_page(request, name, version=None):
    if version is None and settings.UPSTREAM_INDEX_URL:
        served = upstream_copy_page(request, name)
        if served is not None:
            return served
    project = _project_or_404(request, name)
    releases = selectors.project_releases(project=project)
    if version is None:
        release = selectors.release_latest(releases)
    else:
        release = selectors.release_get(project=project, version=version)
        if release is None:
            raise Http404(gettext("No such release."))
    if name != project.normalized_name or (version is not None and version != release.version):
        if version is None:
            return redirect("packages:project", project.normalized_name, permanent=True)
        return redirect("packages:release", project.normalized_name, release.version, permanent=True)
    latest = selectors.release_latest(releases)
    meta = (release.metadata or {}) if release else {}
    files = selectors.project_files(project=project, release=release) if release else []
    provenance = provenance_selectors.files_provenance([f for f in files if f.has_provenance])
    for file in files:
        file.provenance_record = provenance.get(file.pk)
    return render(
        request,
        "packages/project.html",
        {
            "project": project,
            "release": release,
            "is_latest": release is not None and release == latest,
            "latest": latest,
            "description_html": description_accessible(release.description_html) if release else "",
            "is_prerelease": release is not None and selectors.is_prerelease(release.version),
            "prereleases": {r.version for r in releases if selectors.is_prerelease(r.version)},
            "meta": meta,
            "classifier_groups": _classifier_groups(meta.get("classifiers") or []),
            "releases": list(reversed(releases)),
            "files": files,
            "provenance_required": project.provenance_required
            or (project.organization_id is not None and project.organization.provenance_required),
            "maintainers": [(person, initials(person)) for person in selectors.project_maintainers(project=project)],
            "viewer_role": user_project_role(user=request.user, project=project),
            "links": _safe_links(release),
            "classifiers": (release.metadata or {}).get("classifiers", []) if release else [],
        },
    )


@require_safe
def help_page(request):
    return render(request, "packages/help.html")


@require_safe
def upload_url_release(request, name, version):
    """hatch prints `<upload URL>/<name>/<version>/` as the release's address: send readers to its page."""
    return redirect("packages:release", name, version)


@require_safe
@page_read
def user_page(request, username):
    user = selectors.user_get_public(username=username)
    if user is None:
        raise Http404(gettext("No such user."))
    if username != user.username:
        return redirect("packages:user", user.username, permanent=True)
    projects = list(readable(request.reader, selectors.user_projects(user=user)))
    summaries = selectors.project_summaries(projects)
    return render(
        request,
        "packages/user.html",
        {"profile": user, "projects": [(p, summaries.get(p.id, "")) for p in projects]},
    )


SEARCH_PAGE_SIZE = 20


@require_safe
@page_read
def home(request):
    projects = readable(request.reader)
    return render(
        request,
        "home.html",
        {
            "counts": selectors.index_counts(projects),
            "recent": selectors.projects_recently_updated(projects, limit=10),
        },
    )


@require_safe
@page_read
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    found = selectors.project_search(readable(request.reader), query=query, limit=500)
    page = Paginator(found, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    # Names fetched from the upstream index through this one (never one of ours).
    upstream_found = []
    if settings.UPSTREAM_INDEX_URL and query:
        upstream_found = list(
            UpstreamProject.objects.filter(missing=False, normalized_name__contains=canonicalize_name(query))
            .exclude(normalized_name__in=Project.objects.values("normalized_name"))
            .values_list("normalized_name", flat=True)[:20]
        )
    latest = selectors.project_latest_releases(page.object_list)
    return render(
        request,
        "packages/search.html",
        {
            "query": query,
            "page": page,
            "projects": [(p, latest.get(p.id)) for p in page.object_list],
            "upstream_found": upstream_found,
        },
    )


def upstream_copy_page(request, name):
    """The page of a name served from the upstream index, once it has been fetched through this one; None otherwise."""
    normalized = canonicalize_name(name)
    if selectors.project_get_visible(name=normalized) is not None or upstream_names.ours(normalized) is not None:
        return None
    copy = UpstreamProject.objects.filter(normalized_name=normalized, missing=False).first()
    if copy is None:
        return None
    if name != normalized:
        return redirect("packages:project", normalized, permanent=True)
    files = upstream_pages.served_entries(copy)
    versions = selectors.versions_sorted({upstream_blocks.version_of(f["filename"]) or "" for f in files} - {""}, reverse=True)
    return render(
        request,
        "packages/upstream_project.html",
        {
            "copy": copy,
            "upstream": urlsplit(settings.UPSTREAM_INDEX_URL).netloc,
            "versions": versions,
            "files": files,
            "stored": set(copy.stored_files.exclude(path="").values_list("filename", flat=True)),
        },
    )
