"""An issuer's discovery document and key set are fetched through outbound: no redirect to another host,
one overall deadline, public addresses only."""

import json
import time

import pytest

import accounts.outbound.client as outbound_client
from tests.accounts.outbound_servers import MisbehavingServer
from tokens.publishing import keys


@pytest.fixture
def server():
    server = MisbehavingServer().start()
    yield server
    server.stop()


def discovery(issuer, jwks_uri):
    return {"issuer": issuer, "jwks_uri": jwks_uri}


def test_keys_are_fetched_from_the_issuer(server):
    issuer = server.url("/iss")
    server.route("/iss/.well-known/openid-configuration", lambda h: h.send_json(discovery(issuer, server.url("/jwks"))))
    server.route("/jwks", lambda h: h.send_json({"keys": []}))

    assert keys.fetch_key_set(issuer) == {"keys": []}


def test_a_discovery_document_redirected_to_another_host_is_not_followed(server):
    issuer = server.url("/iss")
    elsewhere = server.url("/other/.well-known/openid-configuration", host="localhost")
    server.route("/iss/.well-known/openid-configuration", lambda h: h.redirect(elsewhere))
    server.route("/other/.well-known/openid-configuration", lambda h: h.send_json(discovery(issuer, server.url("/jwks"))))
    server.route("/jwks", lambda h: h.send_json({"keys": []}))

    with pytest.raises(keys.KeysUnavailable, match="another host"):
        keys.fetch_key_set(issuer)
    assert [path for path, _ in server.requests] == ["/iss/.well-known/openid-configuration"]


def test_a_trickling_issuer_is_cut_at_the_deadline(server, monkeypatch):
    issuer = server.url("/iss")
    document = json.dumps(discovery(issuer, server.url("/jwks"))).encode()

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(document)))
        handler.end_headers()
        for byte in document:  # a valid document, one byte every 50 ms (several seconds in all)
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.05)

    server.route("/iss/.well-known/openid-configuration", trickle)
    server.route("/jwks", lambda h: h.send_json({"keys": []}))
    monkeypatch.setattr(keys, "FETCH_DEADLINE", 1, raising=False)
    started = time.monotonic()

    with pytest.raises(keys.KeysUnavailable, match="did not answer within 1 seconds"):
        keys.fetch_key_set(issuer)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.7"])
def test_an_issuer_resolving_to_a_private_address_is_not_contacted(monkeypatch, address):
    monkeypatch.setattr(outbound_client, "resolve", lambda host, port: [address])

    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(outbound_client, "HTTPSConnection", refuse)

    with pytest.raises(keys.KeysUnavailable, match=f"resolves to {address}"):
        keys.fetch_key_set("https://issuer.example")
