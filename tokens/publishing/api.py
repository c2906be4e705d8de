"""``GET /_/oidc/audience`` and ``POST /_/oidc/mint-token``, exactly as REFERENCE §5 (and PyPI) shape them."""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.events import client_ip
from accounts.ratelimit import ALLOW, RateLimit, RateLimited
from accounts.services import rate_limit_record

from . import minting
from .errors import INVALID_PAYLOAD, MintRefused
from .issuers import audience as site_audience

MAX_BODY = 64 * 1024
# Refused exchanges per client IP (the limit is settings.OIDC_MINT_REFUSAL_RATE_LIMIT an hour). Every
# attempt is counted before it is judged and a success gives its hit back, so a CI runner's valid
# exchanges never use it up, while a loop of bad tokens stops filling the history with refusals.
refused_mints_per_ip = RateLimit("oidc-mint-refused-ip", limit=100, window=3600, when_unavailable=ALLOW)
RATE_LIMITED = "rate-limited"


@require_GET
def audience(request):
    return JsonResponse({"audience": site_audience()})


def _refused(code, description):
    return JsonResponse(
        {"message": "Token request failed", "errors": [{"code": code, "description": description}]}, status=422
    )


def _payload_refused(request, description):
    minting.mint_refusal_record(request=request, refusal=MintRefused(INVALID_PAYLOAD, description))
    return _refused(INVALID_PAYLOAD, description)


def _rate_limited(request, ip, limited):
    # One event a window for an address that is held back, not one a request.
    noted = "oidc:mint-limited:" + hashlib.sha256(ip.encode()).hexdigest()[:32]
    if cache.add(noted, 1, timeout=limited.retry_after):
        rate_limit_record(request=request, error=limited, details={"endpoint": "mint-token"})
    response = JsonResponse(
        {"message": "Token request failed", "errors": [{"code": RATE_LIMITED, "description": limited.wire_message}]},
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after)
    return response


@csrf_exempt
@never_cache
@require_POST
def mint_token(request):
    ip = client_ip(request) or ""
    try:
        refused_mints_per_ip.consume(ip, limit=settings.OIDC_MINT_REFUSAL_RATE_LIMIT)
    except RateLimited as limited:
        return _rate_limited(request, ip, limited)
    response = _exchange(request)
    if response.status_code == 200:
        refused_mints_per_ip.refund(ip)
    return response


def _exchange(request):
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return _payload_refused(request, "The request body is too large.")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    raw_jwt = payload.get("token") if isinstance(payload, dict) else None
    if not isinstance(raw_jwt, str) or not raw_jwt.strip():
        return _payload_refused(request, 'Send a JSON object {"token": "<OIDC token>"}.')
    try:
        minted = minting.oidc_token_mint(request=request, raw_jwt=raw_jwt.strip())
    except MintRefused as refusal:
        return _refused(refusal.code, refusal.description)
    response = JsonResponse({"success": True, "token": minted.raw, "expires": minted.expires})
    response["Cache-Control"] = "no-store"
    return response
