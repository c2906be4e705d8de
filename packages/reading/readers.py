"""Who is reading: nobody, a signed-in person, or a token presented as HTTP Basic or Bearer.

Installers present read tokens the way they present any credential: HTTP
Basic with the user `__token__` (in the index URL, `.netrc`, keyring,
`UV_INDEX_<NAME>_USERNAME/PASSWORD`, poetry's `http-basic`) or
`Authorization: Bearer <token>`. Passwords are never accepted here, as for
uploads. A person's browser session reads too.

A token's reader is resolved once (one token lookup, one HMAC and one query
for the private projects its holder may read) and kept in this process under
the `Authorization` header's keyed digest and the access generation
(`access`); any change to what anyone may read moves that generation, so the
next request resolves again. An expired token's reader is refused by its own
expiry time.
"""

import copy
import functools
import hashlib
import hmac
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.events import client_ip, record_event
from accounts.ratelimit import RateLimited
from accounts.sessions.services import session_check
from tokens import services as token_services
from tokens.authentication import PASSWORD_REFUSED, TokenAuthenticationFailed, credentials_from_header
from tokens.authentication import invalid_tokens_per_ip
from tokens.errors import ExpiredToken, RevokedToken, TokenError
from tokens.events import EventTag

from ..index.fastpath.caches import BoundedCache
from . import access, rules

# A token's reader is resolved again after this long even when nothing changed,
# so its `last_used` keeps moving (it is written at most once a minute).
READER_LIFETIME = 60
READERS_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Reader:
    """What decides what someone may read. `scope` None: every name; else the names a token is scoped to."""

    user_id: int | None = None
    token_identifier: str = ""
    staff: bool = False
    scope: frozenset | None = None
    private_names: frozenset = frozenset()
    expires: float | None = None
    # Readers from a session are not replayed by the fast path (a session can end without any write).
    replayable: bool = True
    view: str = field(default="", compare=False)

    def __post_init__(self):
        # Two readers with the same view may be shown the same answers; anonymous is the empty view.
        if self.authenticated and not self.view:
            decisive = (self.staff, sorted(self.scope) if self.scope is not None else None, sorted(self.private_names))
            object.__setattr__(self, "view", hashlib.sha256(repr(decisive).encode()).hexdigest()[:32])

    @property
    def authenticated(self):
        return self.user_id is not None or bool(self.token_identifier)

    def may_read(self, *, name, private):
        return rules.may_read(self, name=name, private=private)

    def expired(self, now=None):
        return self.expires is not None and self.expires <= (now or time.time())


ANONYMOUS = Reader()


class Refused(Exception):
    """Credentials this index does not accept: `status` 401 (or 429 when the IP's failures are used up)."""

    def __init__(self, message, *, status=401, retry_after=None):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


NO_CREDENTIALS = (
    "Unauthorized: this index needs credentials. Use __token__ as the username and a read token as the password."
)
INVALID = "Unauthorized: invalid or non-existent authentication information."
EXPIRED = "Unauthorized: the API token has expired. Create a new token on your account page."
REVOKED = "Unauthorized: the API token has been revoked. Create a new token on your account page."
PASSWORD = "Unauthorized: " + PASSWORD_REFUSED


@functools.cache
def _digest_key(secret_key):
    return hashlib.sha256(b"indexsite-reader:" + secret_key.encode()).digest()


def _header_digest(header):
    """A keyed digest of the Authorization header: what the process keeps instead of the credential."""
    return hmac.new(_digest_key(settings.SECRET_KEY), header.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


_readers = BoundedCache(READERS_BYTES, size=lambda entry: 512 + 64 * len(entry[1].private_names))


def cached(header, generation):
    """The reader of `header` resolved at access `generation` in this process, or None (the fast path's question)."""
    entry = _readers.get((_header_digest(header), generation))
    if entry is None or entry[0] < time.monotonic() - READER_LIFETIME:
        return None
    reader = entry[1]
    return None if reader.expired() else reader


def from_request(request):
    """The Reader of a Django request, or Refused. Tokens first; then the session, when there is one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return _from_token_header(request, header)
    return for_user(_session_user(request))


def for_user(user):
    """The Reader of a signed-in person (pages), or ANONYMOUS."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    return Reader(
        user_id=user.pk,
        staff=user.is_staff,
        private_names=frozenset() if user.is_staff else rules.private_names_of_user(user),
        replayable=False,
    )


def _session_user(request):
    """The signed-in person of a machine request that carries the session cookie (a browser), or None."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    from importlib import import_module

    from django.contrib.auth import get_user

    # Machine paths run without the session middleware: read the session only when its cookie is sent,
    # on a request of its own (the page middleware's lazy user is not asked, so nothing adds Vary: Cookie).
    engine = import_module(settings.SESSION_ENGINE)
    probe = copy.copy(request)
    probe.session = engine.SessionStore(request.COOKIES[settings.SESSION_COOKIE_NAME])
    user = get_user(probe)
    if not user.is_authenticated:
        return None
    # The same rule as pages: a session its owner ended, or one idle or too old, reads nothing.
    probe.user = user
    return user if session_check(probe) is None else None


def _from_token_header(request, header):
    generation = access.generation()
    reader = cached(header, generation)
    if reader is not None:
        return reader
    ip = client_ip(request)
    try:
        raw = credentials_from_header(header)
    except TokenAuthenticationFailed as error:
        message = PASSWORD if str(error.detail) == PASSWORD_REFUSED else INVALID
        _count_failure(request, ip, raw="", reason="PasswordRefused" if message == PASSWORD else "InvalidToken")
        raise Refused(message) from None
    try:
        if invalid_tokens_per_ip.exhausted(ip):
            invalid_tokens_per_ip.consume(ip)
        token = token_services.token_authenticate(request=request, raw=raw)
    except RateLimited as limited:
        raise Refused(limited.wire_message, status=429, retry_after=limited.retry_after) from None
    except TokenError as error:
        _count_failure(request, ip, raw=raw, reason=type(error).__name__)
        if isinstance(error, ExpiredToken):
            raise Refused(EXPIRED) from None
        if isinstance(error, RevokedToken):
            raise Refused(REVOKED) from None
        raise Refused(INVALID) from None
    reader = Reader(
        user_id=token.owner_id,
        token_identifier=token.identifier,
        scope=None if token.account_wide else frozenset(token.projects),
        private_names=rules.private_names_of_token(token),
        expires=token.expires.timestamp() if token.expires else None,
    )
    _readers.put((_header_digest(header), generation), (time.monotonic(), reader))
    return reader


def _count_failure(request, ip, *, raw, reason):
    """Record a refused credential once a window per IP and cause (an installer retries every file),
    and count it against the IP's allowance: past it, Refused with 429."""
    if cache.add(f"reading:refusal-recorded:{ip}:{reason}", 1, timeout=invalid_tokens_per_ip.window):
        if raw:
            token_services.token_failure_record(request=request, raw=raw, reason=reason)
        else:
            with transaction.atomic():
                record_event(
                    tag=EventTag.ACCOUNT_API_TOKEN_INVALID_USE, request=request, details={"token_id": "", "reason": reason}
                )
    try:
        invalid_tokens_per_ip.consume(ip)
    except RateLimited as limited:
        raise Refused(limited.wire_message, status=429, retry_after=limited.retry_after) from None
