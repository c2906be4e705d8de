from django.urls import path

from . import api, views

urlpatterns = [
    path("manage/account/publishing/", views.account_publishing, name="publishing"),
    path(
        "manage/account/publishing/<int:publisher_id>/remove/",
        views.account_publishing_remove,
        name="publishing-remove",
    ),
    path("_/oidc/audience", api.audience, name="oidc-audience"),
    path("_/oidc/mint-token", api.mint_token, name="oidc-mint-token"),
]
