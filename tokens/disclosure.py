"""Leaked-token reports from secret scanners (``POST /_/secrets/disclose-token``).

A scanner that finds a string with our prefix in public (a repository, a
gist, a package) posts a JSON list of reports::

    [{"token": "pypi-…", "type": "pypi_api_token", "url": "https://…"}]

Every report naming a valid token revokes it (reason "leaked"), emails its
owner and records ``account:api_token:removed_leak`` with the URL. The answer
is always 204, whatever the body, so the endpoint tells nobody whether a
string was a live token.

Signature verification. The scanner signs the raw body with ECDSA P-256 /
SHA-256 and sends the base64 DER signature in the header named by
``TOKEN_DISCLOSURE_SIGNATURE_HEADER`` (default ``Github-Public-Key-Signature``).
``TOKEN_DISCLOSURE_PUBLIC_KEYS`` lists the scanner's PEM public keys (set
``TOKEN_DISCLOSURE_KEYS_FILE`` to a file holding one or more). When keys are
configured, a report whose signature matches none of them is ignored (still
204).

With no keys configured, reports are accepted unsigned. This is deliberate: a
report can do nothing but revoke a token, and only by presenting the complete
valid token string; anyone holding that string can already revoke it through
``POST /_/tokens/revoke``, and an attacker holding it could do far worse. The
signature therefore protects against no extra attack here; it mainly spares
owners emails from forged reports of tokens that were truly leaked anyway.
"""

import base64
import binascii
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings

MAX_REPORTS = 100  # per request; later reports in the same body are ignored
MAX_BODY = 256 * 1024  # bytes; a larger body is not read at all
MAX_URL_LENGTH = 2000


def signature_valid(body, signature_b64, public_keys=None):
    """Whether `signature_b64` (base64 DER ECDSA/SHA-256) signs `body` under one of the keys.

    True when no keys are configured (see the module docstring).
    """
    keys = settings.TOKEN_DISCLOSURE_PUBLIC_KEYS if public_keys is None else public_keys
    if not keys:
        return True
    try:
        signature = base64.b64decode(signature_b64 or "", validate=True)
    except (binascii.Error, ValueError):
        return False
    if not signature:
        return False
    for pem in keys:
        try:
            key = load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
            if not isinstance(key, ec.EllipticCurvePublicKey):
                continue
            key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError, TypeError):
            continue
    return False


def parse_reports(body):
    """The (token string, url) pairs in a report body; [] for anything unreadable."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(data, list):
        return []
    reports = []
    for item in data[:MAX_REPORTS]:
        if not isinstance(item, dict) or not isinstance(item.get("token"), str):
            continue
        url = item.get("url")
        reports.append((item["token"], url[:MAX_URL_LENGTH] if isinstance(url, str) else ""))
    return reports
