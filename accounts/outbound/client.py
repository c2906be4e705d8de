"""One outbound GET, keeping the rules every fetch of another server's document must keep.

- https only; http only to a loopback host named as such in the URL (127.0.0.1, [::1], localhost), as tests serve;
- the host is resolved once, every address it resolves to is checked, and the connection goes to a
  checked address (with the name kept for TLS and the Host header): never a private, link-local
  (169.254.169.254, the cloud metadata service), shared, reserved or multicast address, whatever DNS
  says, and a loopback address only for a loopback host;
- one overall deadline from the first byte sent to the last byte read (a timer shuts the socket when it
  passes), not a timeout per read that a server trickling one byte at a time could stretch for ever;
- a response size limit, checked against Content-Length and again while reading; no decompression;
- redirects followed only on the same scheme, host and port, at most REDIRECTS_MAX of them.

urllib3 (pinned in requirements.txt) does the HTTP and the TLS, including certificate and host name
checks; this module only chooses where it may connect and how long and how much it may read.
Resolving the name counts against the deadline too: the lookup runs on one of a few resolver threads and
the fetch gives up when the deadline passes (a lookup the system resolver keeps going finishes on its
thread, which a later lookup then waits for; the number of such threads is bounded).
"""

import http.client
import ipaddress
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

REDIRECTS_MAX = 3
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024
# Name lookups run here, so a fetch can stop waiting for one at its deadline.
RESOLVER_THREADS = 4
_resolver = ThreadPoolExecutor(max_workers=RESOLVER_THREADS, thread_name_prefix="outbound-resolve")


class OutboundError(Exception):
    """The fetch was refused or failed; `str(error)` says why, for logs and staff (it holds no secret)."""


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: dict
    body: bytes


def resolve(host, port):
    """Every address `host` resolves to: the one DNS lookup of a fetch."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def is_loopback_host(host):
    """Whether the URL names a loopback host itself (not a name that merely resolves to one)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_allowed(address, *, loopback_host=False):
    """Whether this site may connect to `address`: a public unicast address, or loopback for a loopback host."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return loopback_host
    return ip.is_global and not ip.is_multicast


class _Deadline:
    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self, url):
        left = self.end - time.monotonic()
        if left <= 0:
            raise OutboundError(f"{url} did not answer within {self.seconds:g} seconds")
        return left


def _target(url):
    """(scheme, host, port, path with query, Host header, loopback host?) of `url`, or OutboundError."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise OutboundError(f"{url!r} is not a URL") from None
    if not host or parts.username is not None or parts.password is not None:
        raise OutboundError(f"{url!r} is not a URL this site fetches (a host, and no credentials)")
    loopback = is_loopback_host(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise OutboundError(f"{url!r} must use https:// (http:// only on a loopback host such as 127.0.0.1)")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, path, parts.netloc, loopback


def _checked_addresses(host, port, *, loopback, deadline, url):
    lookup = _resolver.submit(resolve, host, port)
    try:
        addresses = lookup.result(timeout=deadline.remaining(url))
    except LookupTimeout:
        lookup.cancel()
        raise OutboundError(f"{url} did not answer within {deadline.seconds:g} seconds (resolving {host})") from None
    except OSError as error:
        raise OutboundError(f"{host} could not be resolved ({error})") from None
    if not addresses:
        raise OutboundError(f"{host} could not be resolved")
    for address in addresses:
        if not address_allowed(address, loopback_host=loopback):
            raise OutboundError(
                f"{host} resolves to {address}, a private, link-local, loopback or reserved address this site "
                "does not connect to"
            )
    return addresses


def _connect(scheme, host, port, addresses, deadline, url):
    error = None
    for address in addresses:
        if scheme == "https":
            connection = HTTPSConnection(address, port, timeout=deadline.remaining(url), server_hostname=host)
        else:
            connection = HTTPConnection(address, port, timeout=deadline.remaining(url))
        try:
            connection.connect()
            return connection
        except (OSError, urllib3.exceptions.HTTPError) as failure:
            error = failure
            connection.close()
    raise OutboundError(f"could not connect to {host} ({error})")


def _shut(connection, expired):
    expired.set()
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            # The plain socket's shutdown: it wakes a read blocked in another thread, TLS or not.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


def _get_once(url, *, deadline, max_bytes, headers, sink=None):
    scheme, host, port, path, netloc, loopback = _target(url)
    addresses = _checked_addresses(host, port, loopback=loopback, deadline=deadline, url=url)
    connection = _connect(scheme, host, port, addresses, deadline, url)
    expired = threading.Event()
    timer = threading.Timer(deadline.remaining(url), _shut, args=(connection, expired))
    timer.daemon = True
    timer.start()
    try:
        connection.request(
            "GET",
            path,
            headers={"Host": netloc, "Accept-Encoding": "identity", "User-Agent": "indexsite", **headers},
            preload_content=False,
            decode_content=False,
        )
        response = connection.getresponse()
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise OutboundError(f"{url} answered with {int(length):,} bytes; at most {max_bytes:,} are read")
        body, size = [], 0
        streaming = sink is not None and response.status == 200
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise OutboundError(f"{url} answered with more than {max_bytes:,} bytes")
            if streaming:
                sink(chunk)
            else:
                body.append(chunk)
        if length.isdigit() and size != int(length):
            raise OutboundError(f"{url} ended after {size:,} of {int(length):,} bytes")
        if expired.is_set():
            raise OutboundError(f"{url} did not answer within {deadline.seconds:g} seconds")
        return Response(url=url, status=response.status, headers=dict(response.headers), body=b"".join(body))
    except OutboundError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the shut socket or the peer caused, one error
        if expired.is_set():
            raise OutboundError(f"{url} did not answer within {deadline.seconds:g} seconds") from None
        if isinstance(error, (OSError, urllib3.exceptions.HTTPError, http.client.HTTPException, ValueError)):
            raise OutboundError(f"could not fetch {url} ({error})") from None
        raise
    finally:
        timer.cancel()
        connection.close()


def fetch(url, *, deadline, max_bytes, accept="application/json", headers=None, sink=None):
    """GET `url` under the rules above; returns a Response (any status) or raises OutboundError.

    `deadline` is the most seconds the whole fetch may take, redirects included;
    `max_bytes` the largest body read; `headers` further request headers (a conditional
    request's validators). With `sink`, a 200's body is not kept but handed to `sink(chunk)`
    as it arrives (a large file streamed to storage); other answers' bodies are kept as usual.
    """
    clock = _Deadline(deadline)
    for _ in range(REDIRECTS_MAX + 1):
        response = _get_once(
            url, deadline=clock, max_bytes=max_bytes, headers={"Accept": accept, **(headers or {})}, sink=sink
        )
        if response.status not in _REDIRECTS:
            return response
        location = response.headers.get("Location") or response.headers.get("location")
        if not location:
            return response
        target = urljoin(url, location)
        before, after = urlsplit(url), urlsplit(target)
        try:
            same = (before.scheme, before.hostname, before.port) == (after.scheme, after.hostname, after.port)
        except ValueError:
            same = False
        if not same:
            raise OutboundError(f"{url} redirects to {target}, another host; redirects are followed on the same host only")
        url = target
    raise OutboundError(f"{url} redirects more than {REDIRECTS_MAX} times")
