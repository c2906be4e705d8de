"""Each issuer's signing keys: discovered, cached in the shared cache, refetched on an unknown key id.

``<iss>/.well-known/openid-configuration`` names the ``jwks_uri``; the key set
is cached for KEYS_MAX_AGE in Django's cache (shared by every server process).
A token signed with a key id the cache does not know makes one refetch, at
most once per REFETCH_INTERVAL per issuer, so forged key ids cannot turn the
site into a client hammering the issuer. Every document is fetched through
accounts.outbound.fetch: https, public addresses only, one deadline, a size limit, no
redirect to another host.
"""

import hashlib
import json
import logging

import jwt
from django.core.cache import cache

from accounts.outbound import OutboundError, fetch

from .issuers import IssuerURLError, issuer_url_checked

logger = logging.getLogger(__name__)

KEYS_MAX_AGE = 6 * 60 * 60
REFETCH_INTERVAL = 60
FETCH_DEADLINE = 10  # seconds for the whole fetch of one document, redirects included
MAX_DOCUMENT_SIZE = 512 * 1024
SUPPORTED_ALGORITHMS = ("RS256", "ES256")


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched or read; `str(error)` says why (no secret in it)."""


def _cache_key(kind, issuer_url):
    return f"oidc:{kind}:" + hashlib.sha256(issuer_url.encode()).hexdigest()


def _get_json(url):
    try:
        checked = issuer_url_checked(url)
    except IssuerURLError as error:
        raise KeysUnavailable(str(error)) from None
    try:
        response = fetch(checked, deadline=FETCH_DEADLINE, max_bytes=MAX_DOCUMENT_SIZE)
    except OutboundError as error:
        raise KeysUnavailable(str(error)) from None
    if response.status != 200:
        raise KeysUnavailable(f"{checked} answered with status {response.status}")
    body = response.body
    try:
        document = json.loads(body)
    except ValueError:
        raise KeysUnavailable(f"{checked} did not answer with JSON") from None
    if not isinstance(document, dict):
        raise KeysUnavailable(f"{checked} did not answer with a JSON object")
    return document


def fetch_key_set(issuer_url):
    """Discover and download the issuer's JWKS now; returns the JWKS as a dict."""
    configuration = _get_json(f"{issuer_url}/.well-known/openid-configuration")
    if configuration.get("issuer", "").rstrip("/") != issuer_url:
        raise KeysUnavailable(f"the discovery document of {issuer_url} names another issuer")
    jwks_uri = configuration.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise KeysUnavailable(f"the discovery document of {issuer_url} has no jwks_uri")
    key_set = _get_json(jwks_uri)
    if not isinstance(key_set.get("keys"), list):
        raise KeysUnavailable(f"{jwks_uri} is not a JWK set")
    return key_set


def _find(key_set, kid):
    for entry in key_set.get("keys", []):
        if isinstance(entry, dict) and entry.get("kid") == kid:
            try:
                return jwt.PyJWK.from_dict(entry)
            except (jwt.exceptions.PyJWKError, jwt.exceptions.InvalidKeyError, ValueError, TypeError):
                return None
    return None


def signing_key(issuer_url, kid):
    """The issuer's PyJWK with id `kid`, or None when the issuer has no such key.

    Raises KeysUnavailable when the keys cannot be fetched at all.
    """
    key_set = cache.get(_cache_key("jwks", issuer_url))
    if key_set is not None:
        key = _find(key_set, kid)
        if key is not None:
            return key
    # Unknown key id (a rotation, or a forgery) or nothing cached: refetch, once a minute at most.
    if not cache.add(_cache_key("refetch", issuer_url), 1, timeout=REFETCH_INTERVAL):
        if key_set is None:
            raise KeysUnavailable(f"the keys of {issuer_url} could not be fetched just now; try again in a minute")
        return None
    try:
        key_set = fetch_key_set(issuer_url)
    except KeysUnavailable as error:
        logger.warning("OIDC keys of %s unavailable: %s", issuer_url, error)
        if key_set is None:
            raise
        return None
    cache.set(_cache_key("jwks", issuer_url), key_set, timeout=KEYS_MAX_AGE)
    return _find(key_set, kid)
