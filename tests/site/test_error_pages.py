"""The site's own error pages, in its design: 403, 403 for CSRF, 404, 500 without the database."""

import pytest
from django.test import Client, override_settings
from django.urls import include, path

from indexsite import errors

pytestmark = pytest.mark.django_db


def test_not_found_is_the_sites_page_with_search(client):
    response = client.get("/project/no-such-project/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "site.css" in page and "<h1>Page not found</h1>" in page
    assert "No such project." in page and 'role="search"' in page


def test_a_failed_csrf_check_says_what_to_do():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/account/login/", {"username": "a", "password": "b"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "site.css" in page and "The form expired" in page and "Nothing was changed" in page


def _boom(request):
    raise RuntimeError("broken")


def _denied(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("Only the project's Owners may do this.")


urlpatterns = [path("boom/", _boom), path("denied/", _denied), path("", include("indexsite.urls"))]
handler403 = "indexsite.errors.permission_denied"
handler500 = "indexsite.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_forbidden_shows_the_reason(client):
    response = client.get("/denied/")
    assert response.status_code == 403
    assert "Only the project&#x27;s Owners may do this." in response.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_page_renders_without_the_database(client, django_assert_num_queries):
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = errors.server_error(None)
    page = response.content.decode()
    assert response.status_code == 500
    assert "site.css" in page and "Something went wrong on our side" in page
    assert client.get("/boom/").status_code == 500
