"""The issuer URL rule (https://, or http:// on a loopback host), the settings check, and the staff admin."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tokens.publishing.issuers import IssuerURLError, check_settings, issuer_url_checked
from tests.tokens.test_admin import staff_client  # noqa: F401 - the fixture
from tokens.publishing.models import OIDCIssuer


@pytest.mark.parametrize(
    "url",
    ["https://token.actions.githubusercontent.com", "https://gitlab.example.org/", "http://127.0.0.1:8080/ci", "http://localhost:9000", "http://[::1]:5556"],
)
def test_allowed_issuer_urls(url):
    assert issuer_url_checked(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    ["http://gitlab.example.org", "http://10.0.0.5", "ftp://127.0.0.1", "https://", "gitlab.com", "https://u:p@ci.example", "https://ci.example/?x=1", "https://ci.example:notaport"],
)
def test_refused_issuer_urls(url):
    with pytest.raises(IssuerURLError):
        issuer_url_checked(url)


def test_settings_check_refuses_plain_http_issuers(settings):
    settings.OIDC_GITLAB_ISSUER = "http://gitlab.internal"
    with pytest.raises(ImproperlyConfigured, match="OIDC_GITLAB_ISSUER"):
        check_settings()
    settings.OIDC_GITLAB_ISSUER = ""  # switched off
    check_settings()


def test_staff_register_an_issuer_in_the_admin(staff_client):
    admin_client = staff_client
    response = admin_client.post(
        "/admin/tokens/oidcissuer/add/", {"name": "Corp GitLab", "url": "http://gitlab.corp", "enabled": "on"}
    )
    assert response.status_code == 200 and not OIDCIssuer.objects.exists()
    assert "must use https://" in response.content.decode()
    response = admin_client.post(
        "/admin/tokens/oidcissuer/add/", {"name": "Corp GitLab", "url": "https://gitlab.corp/", "enabled": "on"}
    )
    assert response.status_code == 302
    assert OIDCIssuer.objects.get().url == "https://gitlab.corp"
