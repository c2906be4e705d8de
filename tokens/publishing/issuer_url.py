"""The one rule for an OIDC issuer's URL, below the models (OIDCIssuer.clean) and the settings' check (issuers)."""

from urllib.parse import urlsplit

from django.utils.translation import gettext

from accounts.outbound.client import is_loopback_host


class IssuerURLError(ValueError):
    pass


def issuer_url_checked(url):
    """`url` without a trailing slash; IssuerURLError unless https://, or http:// on a loopback host."""
    url = (url or "").strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise IssuerURLError(gettext("'%(url)s' is not a URL.") % {"url": url}) from None
    if not host or parts.query or parts.fragment or parts.username or parts.password:
        raise IssuerURLError(
            gettext("'%(url)s' is not an issuer URL (https://host[/path], no query, no credentials).") % {"url": url}
        )
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host)):
        return url
    raise IssuerURLError(
        gettext("'%(url)s' must use https:// (http:// is allowed only on a loopback host such as 127.0.0.1).")
        % {"url": url}
    )
