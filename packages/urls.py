from django.urls import path

from . import api, manage_views, views

app_name = "packages"

urlpatterns = [
    # Write side: the upload API and owners' management pages.
    path("legacy/", api.LegacyUploadView.as_view(), name="legacy-upload"),
    path("manage/projects/", manage_views.projects, name="manage-projects"),
    path("manage/project/<str:name>/releases/", manage_views.releases, name="manage-releases"),
    path("manage/project/<str:name>/history/", manage_views.history, name="manage-history"),
    # Read side: simple API, JSON API, files, public pages (packages/views.py).
    path("simple/", views.simple_index, name="simple-index"),
    path("simple/<str:name>/", views.simple_detail, name="simple-detail"),
    path("simple/<str:name>", views.simple_detail, name="simple-detail-noslash"),
    path("pypi/<str:name>/json", views.json_project, name="json-project"),
    path("pypi/<str:name>/<str:version>/json", views.json_release, name="json-release"),
    path("files/<path:path>", views.file_download, name="file"),
    path("project/<str:name>/", views.project_page, name="project"),
    path("project/<str:name>/<str:version>/", views.project_page, name="release"),
    path("user/<str:username>/", views.user_page, name="user"),
    path("search/", views.search, name="search"),
]
