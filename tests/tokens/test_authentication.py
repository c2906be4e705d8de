"""The DRF authentication class, wired into a minimal API view as the upload view will be."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tokens.authentication import APITokenAuthentication
from tokens.models import APIToken

from .factories import basic_auth_header, make_token

pytestmark = pytest.mark.django_db

PASSWORD_REFUSED = (
    "Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead."
)
INVALID = "Invalid or non-existent authentication information."


class Echo(APIView):
    authentication_classes = [APITokenAuthentication]
    permission_classes = []

    def post(self, request):
        if request.auth is None:
            return Response({"detail": "no credentials"}, status=403)
        return Response({"user": request.user.username, "token": request.auth.identifier})


def call(authorization=None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    return Echo.as_view()(APIRequestFactory().post("/legacy/", **headers))


def test_basic_token_authenticates(user):
    token, raw = make_token(user)
    response = call(basic_auth_header(raw))
    assert response.status_code == 200
    assert response.data == {"user": user.username, "token": token.identifier}


def test_bearer_token_authenticates(user):
    token, raw = make_token(user)
    assert call(f"Bearer {raw}").data["token"] == token.identifier


def test_no_credentials_leaves_the_decision_to_the_view():
    response = call()
    assert response.status_code == 403 and response.data == {"detail": "no credentials"}


def test_password_upload_is_refused(user, password):
    response = call(basic_auth_header(password, username=user.username))
    assert response.status_code == 403
    assert response.data["detail"] == PASSWORD_REFUSED
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64",
        "Basic " + "X19fdG9rZW5fXw==",  # "__token__" without a colon
        basic_auth_header("pypi-garbage"),
        basic_auth_header("ghp_" + "a" * 40),
        "Bearer ",
        "Digest abc",
    ],
)
def test_malformed_credentials_are_invalid(header):
    response = call(header)
    assert response.status_code == 403
    assert response.data["detail"] == INVALID


def test_revoked_tampered_and_expired(user):
    from tokens.services import token_revoke

    token, raw = make_token(user)
    tampered = raw[:-2] + ("ab" if raw[-2:] != "ab" else "cd")
    assert call(basic_auth_header(tampered)).data["detail"] == INVALID
    token_revoke(token=token)
    assert call(basic_auth_header(raw)).data["detail"] == INVALID

    expiring, raw2 = make_token(user, expires=timezone.now() + timedelta(days=1))
    APIToken.objects.filter(pk=expiring.pk).update(expires=timezone.now() - timedelta(minutes=1))
    response = call(basic_auth_header(raw2))
    assert response.status_code == 403
    assert "expired" in response.data["detail"]


def test_frozen_account_token_is_invalid(user):
    _, raw = make_token(user)
    user.is_active = False
    user.save()
    assert call(basic_auth_header(raw)).data["detail"] == INVALID
