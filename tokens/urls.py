from django.urls import path

from . import api

app_name = "tokens"

urlpatterns = [
    path("_/secrets/disclose-token", api.disclose_token, name="disclose-token"),
    path("_/tokens/revoke", api.TokenSelfRevoke.as_view(), name="self-revoke"),
]
