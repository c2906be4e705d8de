from django.urls import path

from .collaboration import views as collaboration
from .index import downloads
from .index import views as index
from .manage import views as manage
from .organization_projects import views as organization_projects
from .pages import views as pages
from .provenance import views as provenance
from .upload.api import LegacyUploadView
from .upstream import views as upstream

app_name = "packages"

urlpatterns = [
    # Write side: the upload API and owners' management pages.
    path("legacy/", LegacyUploadView.as_view(), name="legacy-upload"),
    # twine never follows a redirect on upload, so the slash-less spelling answers too.
    path("legacy", LegacyUploadView.as_view(), name="legacy-upload-noslash"),
    # hatch takes any index but PyPI for devpi: it reads <upload URL>/+simple/<name>/
    # to skip files already there, and prints <upload URL>/<name>/<version>/.
    path("legacy/+simple/", index.simple_index, name="legacy-simple-index"),
    path(
        "legacy/+simple/<str:name>/",
        index.simple_detail,
        {"canonical_view": "packages:legacy-simple-detail"},
        name="legacy-simple-detail",
    ),
    path(
        "legacy/+simple/<str:name>",
        index.simple_detail,
        {"canonical_view": "packages:legacy-simple-detail"},
        name="legacy-simple-detail-noslash",
    ),
    path("legacy/<str:name>/<str:version>/", pages.upload_url_release, name="legacy-release"),
    path("manage/projects/", manage.projects, name="manage-projects"),
    path("manage/project/<str:name>/releases/", manage.releases, name="manage-releases"),
    path("manage/project/<str:name>/history/", manage.history, name="manage-history"),
    path("manage/project/<str:name>/settings/", manage.project_settings, name="manage-settings"),
    path("manage/project/<str:name>/collaboration/", collaboration.collaboration, name="manage-collaboration"),
    path("manage/project/<str:name>/collaboration/leave/", collaboration.leave, name="manage-leave"),
    path("manage/projects/invitations/<int:invitation_id>/", collaboration.invitation_answer, name="invitation-answer"),
    path("account/verify-project-role/", collaboration.invitation_respond, name="invitation-respond"),
    path("manage/project/<str:name>/publishing/", manage.publishing_page, name="manage-publishing"),
    path("manage/project/<str:name>/upstream/", upstream.project_upstream, name="manage-upstream"),
    path(
        "manage/organization/<str:name>/projects/",
        organization_projects.organization_projects,
        name="organization-projects",
    ),
    path(
        "manage/organization/<str:name>/reservations/",
        upstream.organization_reservations,
        name="organization-reservations",
    ),
    # The index machines read: simple API, JSON API, files.
    path("simple/", index.simple_index, name="simple-index"),
    path("simple/<str:name>/", index.simple_detail, name="simple-detail"),
    path("simple/<str:name>", index.simple_detail, name="simple-detail-noslash"),
    path("pypi/<str:name>/json", index.json_project, name="json-project"),
    path("pypi/<str:name>/<str:version>/json", index.json_release, name="json-release"),
    path(
        "files/+upstream/<str:name>/<str:sha256>/<str:filename>", downloads.upstream_file, name="upstream-file"
    ),
    path("files/<path:path>", downloads.file_download, name="file"),
    path(
        "integrity/<str:name>/<str:version>/<str:filename>/provenance",
        provenance.provenance,
        name="integrity-provenance",
    ),
    # Public pages.
    path("project/<str:name>/", pages.project_page, name="project"),
    path("project/<str:name>/<str:version>/", pages.project_page, name="release"),
    path("user/<str:username>/", pages.user_page, name="user"),
    path("org/<str:name>/", organization_projects.organization_page, name="organization"),
    path("search/", pages.search, name="search"),
    path("help/", pages.help_page, name="help"),
]
