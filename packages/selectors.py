"""Reads about projects, releases and files, for the index, the APIs and the public pages.

Everything here hides quarantined projects: to a client of the index they do
not exist. Each reader runs a fixed number of queries whatever the number of
releases or files, so the hot paths stay flat as projects grow.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, OuterRef, Q
from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

from organizations.models import OrganizationRole

from .models import File, FileProvenance, Project, ProjectRole, Release

VISIBLE = ~Q(status=Project.Status.QUARANTINED)


def _version_key(version):
    """Sort key for version strings: PEP 440 order; anything unparsable sorts first, by text."""
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, Version("0"), version)


def versions_sorted(versions, *, reverse=False):
    return sorted(versions, key=_version_key, reverse=reverse)


def project_get_visible(*, name):
    """The project called `name` (any spelling), or None if absent or quarantined. One query."""
    return Project.objects.filter(VISIBLE, normalized_name=canonicalize_name(name)).first()


def index_projects(projects=None):
    """(name, normalized_name, last_serial) of `projects` (default: every visible one), by normalized name.

    One query.
    """
    projects = Project.objects.filter(VISIBLE) if projects is None else projects
    return list(projects.order_by("normalized_name").values_list("name", "normalized_name", "last_serial"))


def project_files(*, project, release=None):
    """Every file of `project` (or of one `release`) with its release loaded, in version then filename order.

    Each carries `has_provenance` (verified attestations are kept, packages/provenance). One query.
    """
    files = File.objects.filter(release__project=project)
    if release is not None:
        files = files.filter(release=release)
    files = list(
        files
        .select_related("release")
        .annotate(has_provenance=Exists(FileProvenance.objects.filter(file=OuterRef("pk"))))
        .only(
            "filename",
            "packagetype",
            "python_version",
            "size",
            "sha256_digest",
            "blake2_256_digest",
            "md5_digest",
            "path",
            "upload_time",
            "metadata_sha256",
            "release__id",
            "release__version",
            "release__canonical_version",
            "release__requires_python",
            "release__yanked",
            "release__yanked_reason",
        )
    )
    files.sort(key=lambda f: (_version_key(f.release.version), f.filename))
    return files


def project_versions(*, project):
    """Every version of `project`, oldest first (PEP 700 lists releases without files too). One query."""
    return versions_sorted(Release.objects.filter(project=project).values_list("version", flat=True))


def project_releases(*, project):
    """Every release of `project`, oldest version first. One query."""
    return versions_sorted_releases(Release.objects.filter(project=project))


def versions_sorted_releases(releases, *, reverse=False):
    return sorted(releases, key=lambda r: _version_key(r.version), reverse=reverse)


def release_latest(releases):
    """The release a project page shows by default: PyPI's rule.

    The highest final, non-yanked version; failing that the highest non-yanked
    one; failing that the highest of all. `releases` must be sorted oldest first.
    """
    for wanted in (
        lambda r: not r.yanked and not is_prerelease(r.version),
        lambda r: not r.yanked,
        lambda r: True,
    ):
        candidates = [r for r in releases if wanted(r)]
        if candidates:
            return candidates[-1]
    return None


def is_prerelease(version):
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return False


def release_get(*, project, version):
    """The release of `project` whose version is `version` (exactly, or once canonicalized), or None."""
    release = Release.objects.filter(project=project, version=version).first()
    if release is None:
        try:
            canonical = canonicalize_version(version)
        except InvalidVersion:
            return None
        release = Release.objects.filter(project=project, canonical_version=canonical).first()
    return release


def file_get_visible(*, path):
    """The file stored at `path` and whether `path` names its PEP 658 metadata, or (None, False).

    Files of quarantined projects are not served. Metadata exists only for files
    that advertise it.
    """
    visible_files = (
        File.objects.filter(release__project__in=Project.objects.filter(VISIBLE))
        .select_related("release__project")
        .only(
            "path",
            "size",
            "sha256_digest",
            "metadata_sha256",
            "upload_time",
            "filename",
            "release__id",
            "release__project__id",
            "release__project__normalized_name",
            "release__project__private",
        )
    )
    file = visible_files.filter(path=path).first()
    if file is not None:
        return file, False
    if path.endswith(".metadata"):
        file = visible_files.filter(path=path.removesuffix(".metadata")).exclude(metadata_sha256="").first()
        if file is not None:
            return file, True
    return None, False


def project_maintainers(*, project):
    """The users with a role on `project`, owners first. One query."""
    roles = ProjectRole.objects.filter(project=project, user__is_active=True).select_related("user")
    return [r.user for r in sorted(roles, key=lambda r: (r.role != ProjectRole.Role.OWNER, r.user.username.lower()))]


def user_get_public(*, username):
    """The active user called `username` (any case), or None."""
    return get_user_model().objects.filter(username__iexact=username, is_active=True).first()


def user_projects(*, user):
    """Visible projects `user` has a role on, by name."""
    return Project.objects.filter(VISIBLE, roles__user=user).distinct().order_by("normalized_name")


def project_summaries(projects):
    """{project id: summary of its latest release} for `projects`, in one query."""
    by_project = {}
    for release in Release.objects.filter(project__in=projects).only("project_id", "version", "summary", "yanked"):
        by_project.setdefault(release.project_id, []).append(release)
    return {
        pid: (latest.summary if (latest := release_latest(versions_sorted_releases(rs))) else "")
        for pid, rs in by_project.items()
    }


def project_latest_releases(projects):
    """{project id: its latest release (PyPI's rule)} for `projects`, in one query."""
    by_project = {}
    for release in Release.objects.filter(project__in=projects).only(
        "project_id", "version", "summary", "yanked", "created"
    ):
        by_project.setdefault(release.project_id, []).append(release)
    return {pid: release_latest(versions_sorted_releases(rs)) for pid, rs in by_project.items()}


def index_counts(projects):
    """Numbers for the home page: the projects `projects` (those the reader may read), their releases and files."""
    return {
        "projects": projects.count(),
        "releases": Release.objects.filter(project__in=projects).count(),
        "files": File.objects.filter(release__project__in=projects).count(),
    }


def projects_recently_updated(projects, *, limit=10):
    """Of `projects`, those with the newest release first, as (project, latest release) pairs."""
    projects = list(
        projects
        .annotate(updated=Max("releases__created"))
        .filter(updated__isnull=False)
        .order_by("-updated")[:limit]
    )
    latest = project_latest_releases(projects)
    return [(project, latest.get(project.id)) for project in projects]


def project_search(projects, *, query, limit=50):
    """Of `projects`, those whose name or a release summary contains `query`; exact name match first."""
    query = query.strip()
    if not query:
        return []
    normalized = canonicalize_name(query)
    matches = (
        projects
        .filter(
            Q(normalized_name__contains=normalized)
            | Q(name__icontains=query)
            | Q(releases__summary__icontains=query)
        )
        .distinct()
    )
    projects = list(matches.order_by("normalized_name")[: limit * 2])
    projects.sort(key=lambda p: (p.normalized_name != normalized, not p.normalized_name.startswith(normalized)))
    return projects[:limit]


class _TokenProjectDirectory:
    """The projects that token scopes name (see tokens.scopes)."""

    def user_project_names(self, user):
        names = set(ProjectRole.objects.filter(user=user).values_list("project__normalized_name", flat=True))
        # Through organisations: every project of those they own, and their teams' projects.
        names.update(
            Project.objects.filter(
                Q(organization__roles__user=user, organization__roles__role=OrganizationRole.Role.OWNER)
                | Q(team_roles__team__members__member__user=user)
            ).values_list("normalized_name", flat=True)
        )
        return sorted(names)

    def organization_project_names(self, organization):
        return sorted(Project.objects.filter(organization=organization).values_list("normalized_name", flat=True))

    def existing_project_names(self, normalized_names):
        return set(
            Project.objects.filter(normalized_name__in=list(normalized_names)).values_list("normalized_name", flat=True)
        )


token_project_directory = _TokenProjectDirectory()
