from django.urls import path

from . import api, manage_views

app_name = "packages"

urlpatterns = [
    # Write side: the upload API and owners' management pages.
    path("legacy/", api.LegacyUploadView.as_view(), name="legacy-upload"),
    path("manage/projects/", manage_views.projects, name="manage-projects"),
    path("manage/project/<str:name>/releases/", manage_views.releases, name="manage-releases"),
    path("manage/project/<str:name>/history/", manage_views.history, name="manage-history"),
]
