"""``GET /_/oidc/audience`` and ``POST /_/oidc/mint-token``, exactly as REFERENCE §5 (and PyPI) shape them."""

import json

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import services
from .errors import INVALID_PAYLOAD, MintRefused
from .issuers import audience as site_audience

MAX_BODY = 64 * 1024


@require_GET
def audience(request):
    return JsonResponse({"audience": site_audience()})


def _refused(code, description):
    return JsonResponse(
        {"message": "Token request failed", "errors": [{"code": code, "description": description}]}, status=422
    )


def _payload_refused(request, description):
    services.mint_refusal_record(request=request, refusal=MintRefused(INVALID_PAYLOAD, description))
    return _refused(INVALID_PAYLOAD, description)


@csrf_exempt
@never_cache
@require_POST
def mint_token(request):
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
        minted = services.oidc_token_mint(request=request, raw_jwt=raw_jwt.strip())
    except MintRefused as refusal:
        return _refused(refusal.code, refusal.description)
    response = JsonResponse({"success": True, "token": minted.raw, "expires": minted.expires})
    response["Cache-Control"] = "no-store"
    return response
