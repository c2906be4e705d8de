"""Machine endpoints of the tokens app (no sessions, no CSRF: they are called by scripts)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.events import client_ip
from accounts.ratelimit import ALLOW, RateLimit, RateLimited, rate_limited_text_response
from accounts.services import rate_limit_record

from . import disclosure, services
from .authentication import APITokenAuthentication
from .models import APIToken


# Report requests per client IP (a scanner sends a few a minute).
disclosure_requests = RateLimit("disclose-token", limit=60, window=60, when_unavailable=ALLOW)  # revoking leaks goes on


@csrf_exempt
@require_POST
def disclose_token(request):
    """Secret scanners report leaked tokens here; 204 whatever the body (see tokens/disclosure.py).

    Bounded: at most MAX_BODY bytes and MAX_REPORTS reports a request, and
    `disclosure_requests` a minute per IP (429 with Retry-After past that).
    """
    try:
        disclosure_requests.consume(client_ip(request))
    except RateLimited as error:
        rate_limit_record(request=request, error=error)
        return rate_limited_text_response(error)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > disclosure.MAX_BODY:
        return HttpResponse(status=204)
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse(status=204)
    header = "HTTP_" + settings.TOKEN_DISCLOSURE_SIGNATURE_HEADER.upper().replace("-", "_")
    services.token_disclosure_process(body=body, signature=request.META.get(header, ""))
    return HttpResponse(status=204)


class TokenSelfRevoke(APIView):
    """``POST /_/tokens/revoke`` with the token as credentials revokes that token.

    For a token holder who cannot reach the owner's account, e.g. after a CI breach:
    ``curl -X POST -u __token__:$TOKEN <site>/_/tokens/revoke``.
    """

    authentication_classes = [APITokenAuthentication]
    permission_classes = []
    renderer_classes = [JSONRenderer]

    def post(self, request):
        token = request.auth
        if not isinstance(token, APIToken):
            return Response(
                {"detail": "Send the token to revoke as credentials (HTTP Basic user __token__, or Bearer)."},
                status=403,
            )
        services.token_revoke(request=request, token=token, reason=APIToken.RevokeReason.SELF)
        return Response({"detail": f"Token {token.identifier} ({token.name}) revoked."})
