from django.urls import include, path

from . import api, organization_views, views

app_name = "tokens"

urlpatterns = [
    path("manage/account/token/", views.token_list, name="manage"),
    path("manage/account/token/new/", views.token_shown, name="shown"),
    path("manage/account/token/<str:identifier>/revoke/", views.token_revoke, name="revoke"),
    path("manage/account/token/<str:identifier>/rotate/", views.token_rotate, name="rotate"),
    path("manage/organization/<str:name>/tokens/", organization_views.organization_token_list, name="organization"),
    path(
        "manage/organization/<str:name>/tokens/<str:identifier>/revoke/",
        organization_views.organization_token_revoke,
        name="organization-revoke",
    ),
    path(
        "manage/organization/<str:name>/tokens/<str:identifier>/rotate/",
        organization_views.organization_token_rotate,
        name="organization-rotate",
    ),
    path("_/secrets/disclose-token", api.disclose_token, name="disclose-token"),
    path("_/tokens/revoke", api.TokenSelfRevoke.as_view(), name="self-revoke"),
    path("", include("tokens.publishing.urls")),
]
