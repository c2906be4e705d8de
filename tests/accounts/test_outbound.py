"""accounts.outbound.fetch against local servers that misbehave, and against names that resolve where they must not.

Addresses that must never be reached (169.254.169.254, 10.x) only ever come from a
replaced resolver, and connecting is replaced by a failure: no traffic leaves.
"""

import time

import pytest

import accounts.outbound.client as outbound_client
from accounts.outbound import OutboundError, fetch

from tests.accounts.outbound_servers import MisbehavingServer

KB = 1024


@pytest.fixture
def server():
    server = MisbehavingServer().start()
    server.route("/ok", lambda h: h.send_json({"ok": True}))
    yield server
    server.stop()


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if the client tries to connect anywhere."""

    class Refused:
        def __init__(self, host, *args, **kwargs):
            raise AssertionError(f"the client tried to connect to {host}")

    monkeypatch.setattr(outbound_client, "HTTPConnection", Refused)
    monkeypatch.setattr(outbound_client, "HTTPSConnection", Refused)


def resolving_to(monkeypatch, *addresses):
    calls = []

    def resolve(host, port):
        calls.append((host, port))
        return list(addresses)

    monkeypatch.setattr(outbound_client, "resolve", resolve)
    return calls


def test_a_document_is_fetched(server):
    response = fetch(server.url("/ok"), deadline=5, max_bytes=KB)
    assert (response.status, response.body) == (200, b'{"ok": true}')


def test_the_connection_goes_to_the_checked_address_with_the_name_kept(server, monkeypatch):
    calls = resolving_to(monkeypatch, "127.0.0.1")

    fetch(server.url("/ok", host="localhost"), deadline=5, max_bytes=KB)

    assert calls == [("localhost", server.port)]  # resolved once, by the client's own lookup
    assert server.requests == [("/ok", f"localhost:{server.port}")]


def test_a_redirect_on_the_same_host_is_followed(server):
    server.route("/moved", lambda h: h.redirect("/ok"))
    response = fetch(server.url("/moved"), deadline=5, max_bytes=KB)
    assert response.status == 200 and response.url == server.url("/ok")


def test_a_redirect_to_another_host_is_refused(server):
    # localhost is the same machine but another host name: the redirect is not followed.
    server.route("/elsewhere", lambda h: h.redirect(server.url("/ok", host="localhost")))

    with pytest.raises(OutboundError, match="redirects to .*another host"):
        fetch(server.url("/elsewhere"), deadline=5, max_bytes=KB)
    assert [path for path, _ in server.requests] == ["/elsewhere"]


def test_endless_redirects_are_refused(server):
    server.route("/loop", lambda h: h.redirect("/loop"))
    with pytest.raises(OutboundError, match="redirects more than 3 times"):
        fetch(server.url("/loop"), deadline=5, max_bytes=KB)


@pytest.mark.parametrize("route", ["trickle", "trickle_headers"])
def test_a_trickle_is_cut_at_the_overall_deadline(server, route):
    # One byte every 50 ms: no single read ever waits long, so only an overall deadline ends it.
    server.route("/slow", lambda h: getattr(h, route)())
    started = time.monotonic()

    with pytest.raises(OutboundError, match="did not answer within 1 seconds"):
        fetch(server.url("/slow"), deadline=1, max_bytes=1024 * KB)

    assert time.monotonic() - started < 3


def test_a_name_lookup_that_hangs_is_cut_at_the_overall_deadline(monkeypatch, no_connections):
    def hanging_resolver(host, port):
        time.sleep(3)  # a resolver that keeps retrying an unreachable DNS server
        return ["93.184.216.34"]

    monkeypatch.setattr(outbound_client, "resolve", hanging_resolver)
    started = time.monotonic()

    with pytest.raises(OutboundError, match="did not answer within 0.5 seconds"):
        fetch("https://issuer.example/keys", deadline=0.5, max_bytes=KB)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "until-close"])
def test_an_oversized_body_is_refused(server, announce):
    server.route("/big", lambda h: h.send_bytes(2 * 1024 * KB, announce=announce))
    with pytest.raises(OutboundError, match="bytes"):
        fetch(server.url("/big"), deadline=5, max_bytes=512 * KB)


@pytest.mark.parametrize(
    "addresses",
    [
        ["169.254.169.254"],  # the cloud metadata service
        ["10.1.2.3"],
        ["93.184.215.14", "192.168.0.10"],  # one bad address among good ones is enough
        ["::ffff:10.0.0.1"],
        ["fd00::1"],
        ["100.64.0.1"],
        ["127.0.0.1"],  # loopback, for a name that is not a loopback host
        ["0.0.0.0"],
    ],
)
def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch, no_connections, addresses):
    resolving_to(monkeypatch, *addresses)

    with pytest.raises(OutboundError, match="private, link-local, loopback or reserved address"):
        fetch("https://issuer.example/.well-known/openid-configuration", deadline=5, max_bytes=KB)


@pytest.mark.parametrize(
    "url",
    ["http://issuer.example/keys", "ftp://issuer.example/keys", "https://user:pw@issuer.example/keys", "https:///keys"],
)
def test_only_https_urls_without_credentials(monkeypatch, no_connections, url):
    resolving_to(monkeypatch, "93.184.215.14")
    with pytest.raises(OutboundError):
        fetch(url, deadline=5, max_bytes=KB)


def test_address_literals_are_checked_too(no_connections):
    with pytest.raises(OutboundError, match="private, link-local"):
        fetch("https://169.254.169.254/latest/meta-data/", deadline=5, max_bytes=KB)
