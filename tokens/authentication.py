"""DRF authentication for the upload API: API tokens only, never passwords.

Accepted credentials:

- HTTP Basic with username ``__token__`` and the token as password (twine,
  uv publish and every other upload client);
- ``Authorization: Bearer <token>``.

``authenticate`` returns ``(user, APIToken)``; ``request.auth`` is then the
token, whose ``scope_allows(normalized_name)`` the upload must check. With no
``Authorization`` header at all it returns None and the view decides.
Every refusal is a 403 (``AuthenticationFailed`` with status 403) carrying the
exact message upload clients show.
"""

import base64
import binascii

from django.contrib.auth.models import AnonymousUser
from django.dispatch import Signal
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from accounts.events import client_ip
from accounts.ratelimit import RateLimit, RateLimited
from accounts.services import rate_limit_record

from . import services
from .errors import InvalidToken, TokenError

TOKEN_USERNAME = "__token__"
PASSWORD_REFUSED = (
    "Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead."
)


# Invalid tokens per client IP: a token cannot be guessed, but a client looping
# on a bad one (or probing identifiers) is stopped and recorded.
invalid_tokens_per_ip = RateLimit("invalid-token-ip", limit=20, window=300)

# Sent each time a request presents an API token: the site counts them by outcome for its
# metrics (indexsite/metrics.py). kwargs: outcome ("accepted", or the TokenError's class name)
token_presented = Signal()


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    status_code = 403


def credentials_from_header(header):
    """The raw token from an Authorization header value; None when there is no header.

    Raises TokenAuthenticationFailed for a password login or a malformed header.
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer":
        if not value:
            raise TokenAuthenticationFailed(str(InvalidToken()))
        return value
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise TokenAuthenticationFailed(str(InvalidToken())) from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise TokenAuthenticationFailed(str(InvalidToken()))
        if username != TOKEN_USERNAME:
            raise TokenAuthenticationFailed(PASSWORD_REFUSED)
        return password
    raise TokenAuthenticationFailed(str(InvalidToken()))


class APITokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        raw = credentials_from_header(request.META.get("HTTP_AUTHORIZATION", ""))
        if raw is None:
            return None
        # The plain Django request: DRF's own would authenticate again when asked for its user.
        django_request = getattr(request, "_request", request)
        ip = client_ip(django_request)
        try:
            # Refused early once the IP's failures are used up. Only failures
            # count (a burst of valid uploads from one CI runner must pass); a
            # token's secret cannot be guessed, so the limit stops loops and
            # probing, and each failure is counted before it is compared.
            if invalid_tokens_per_ip.exhausted(ip):
                invalid_tokens_per_ip.consume(ip)
            token = services.token_authenticate(request=request, raw=raw)
        except TokenError as error:
            token_presented.send(sender=APITokenAuthentication, outcome=type(error).__name__)
            services.token_failure_record(request=django_request, raw=raw, reason=type(error).__name__)
            try:
                invalid_tokens_per_ip.consume(ip)
            except RateLimited as limited:
                self._refuse(django_request, limited)
            raise TokenAuthenticationFailed(str(error)) from None
        except RateLimited as limited:
            self._refuse(django_request, limited)
        token_presented.send(sender=APITokenAuthentication, outcome="accepted")
        # An organisation's or a trusted publisher's token stands for no person.
        return (token.owner if token.owner_id is not None else AnonymousUser()), token

    @staticmethod
    def _refuse(django_request, error):
        rate_limit_record(request=django_request, error=error)
        raise exceptions.Throttled(wait=error.retry_after, detail=error.wire_message) from None

    # No WWW-Authenticate header: clients should not prompt for a password,
    # and DRF then keeps the 403.
    def authenticate_header(self, request):
        return None
