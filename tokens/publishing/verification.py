"""The JWT checks of REFERENCE §5: the issuer is trusted, the signature is the issuer's, the times hold.

Returns the verified claims; every refusal is a MintRefused with its code.
What the claims must say about the workflow is kinds' business.
"""

import jwt

from . import keys
from .errors import INVALID_PAYLOAD, INVALID_TOKEN, NOT_ENABLED, MintRefused
from .issuers import audience, issuer_find

LEEWAY = 30  # seconds, for exp, iat and nbf
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti", "sub"]


def unverified_issuer(raw_jwt):
    """The `iss` the token claims, read without trusting it (to pick the keys), or MintRefused."""
    try:
        claims = jwt.decode(raw_jwt, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise MintRefused(INVALID_PAYLOAD, "The token is not a well-formed JWT.") from None
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise MintRefused(INVALID_PAYLOAD, "The token names no issuer (`iss`).")
    return issuer


def verified_claims(raw_jwt):
    """``(Issuer, claims)`` of a token that passes every check, or MintRefused."""
    issuer_url = unverified_issuer(raw_jwt)
    try:
        return _verified_claims(raw_jwt, issuer_url)
    except MintRefused as refusal:
        refusal.issuer = issuer_url[:200]
        raise


def _verified_claims(raw_jwt, issuer_url):
    issuer = issuer_find(issuer_url)
    if issuer is None:
        raise MintRefused(INVALID_PAYLOAD, f"Unknown trusted publishing issuer {issuer_url[:200]!r}.")
    if not issuer.enabled:
        raise MintRefused(NOT_ENABLED, f"Trusted publishing from {issuer.name} is not enabled on this index.")
    try:
        header = jwt.get_unverified_header(raw_jwt)
    except jwt.PyJWTError:
        raise MintRefused(INVALID_PAYLOAD, "The token is not a well-formed JWT.") from None
    algorithm = header.get("alg")
    if algorithm not in keys.SUPPORTED_ALGORITHMS:
        raise MintRefused(INVALID_TOKEN, f"Signature algorithm {str(algorithm)[:20]!r} is not accepted (RS256, ES256).")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MintRefused(INVALID_TOKEN, "The token names no signing key (`kid`).")
    try:
        key = keys.signing_key(issuer.url, kid)
    except keys.KeysUnavailable:
        raise MintRefused(
            INVALID_TOKEN, f"The signing keys of {issuer.name} could not be fetched; try again later."
        ) from None
    if key is None:
        raise MintRefused(INVALID_TOKEN, f"The token is signed with a key {issuer.name} does not publish ({kid[:80]!r}).")
    try:
        claims = jwt.decode(
            raw_jwt,
            key=key,
            algorithms=[algorithm],
            audience=audience(),
            issuer=issuer.url,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS, "strict_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise MintRefused(INVALID_TOKEN, "The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise MintRefused(INVALID_TOKEN, "The token is not valid yet (`nbf` or `iat` in the future).") from None
    except jwt.InvalidAudienceError:
        raise MintRefused(INVALID_TOKEN, f"The token's audience is not this index's ({audience()!r}).") from None
    except jwt.InvalidSignatureError:
        raise MintRefused(INVALID_TOKEN, "The token's signature does not verify.") from None
    except jwt.MissingRequiredClaimError as error:
        raise MintRefused(INVALID_TOKEN, f"The token lacks the claim {error.claim!r}.") from None
    except jwt.PyJWTError as error:
        raise MintRefused(INVALID_TOKEN, f"The token is invalid: {error}.") from None
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise MintRefused(INVALID_TOKEN, "The token's `jti` claim is not a string.")
    return issuer, claims
