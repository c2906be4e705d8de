"""Which OIDC issuers the site trusts; the one rule for an issuer's URL is `issuer_url` (imported from here too).

GitHub Actions and GitLab.com come from settings (OIDC_GITHUB_ISSUER,
OIDC_GITLAB_ISSUER; an empty value turns that CI off); any other issuer is
registered by staff in the admin (models.OIDCIssuer).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .issuer_url import IssuerURLError, issuer_url_checked


def check_settings():
    """Refuse to start with an issuer setting that breaks the rule (called when the app loads)."""
    for name in ("OIDC_GITHUB_ISSUER", "OIDC_GITLAB_ISSUER"):
        value = getattr(settings, name, "")
        if value:
            try:
                issuer_url_checked(value)
            except IssuerURLError as error:
                raise ImproperlyConfigured(f"{name}: {error}") from None


def audience():
    """The `aud` every token must carry: OIDC_AUDIENCE, or the host name of SITE_URL."""
    return settings.OIDC_AUDIENCE or urlsplit(settings.SITE_URL).hostname or ""


@dataclass(frozen=True)
class Issuer:
    url: str
    kind: str  # TrustedPublisher.Kind
    enabled: bool
    name: str
    registered: object = None  # the OIDCIssuer row for a custom issuer


def _setting(name):
    value = getattr(settings, name, "")
    return value.strip().rstrip("/") if value else ""


def builtin_issuer_url(kind):
    """The configured URL of GitHub's or GitLab's issuer ("" when turned off)."""
    from .models import TrustedPublisher

    return _setting("OIDC_GITHUB_ISSUER" if kind == TrustedPublisher.Kind.GITHUB else "OIDC_GITLAB_ISSUER")


def issuer_find(url):
    """The trusted Issuer whose URL is exactly `url` (the unverified `iss`), or None."""
    from .models import OIDCIssuer, TrustedPublisher

    if not isinstance(url, str) or not url:
        return None
    for kind, label in ((TrustedPublisher.Kind.GITHUB, "GitHub Actions"), (TrustedPublisher.Kind.GITLAB, "GitLab")):
        if url == builtin_issuer_url(kind):
            return Issuer(url=url, kind=kind, enabled=True, name=label)
    row = OIDCIssuer.objects.filter(url=url).first()
    if row is not None:
        return Issuer(
            url=row.url, kind=TrustedPublisher.Kind.CUSTOM, enabled=row.enabled, name=row.name, registered=row
        )
    return None
