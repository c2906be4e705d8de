import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail

from tokens.events import EventTag
from accounts.models import SecurityEvent
from tokens.models import APIToken
from tokens.services import token_authenticate

from .factories import basic_auth_header, make_token

pytestmark = pytest.mark.django_db

DISCLOSE = "/_/secrets/disclose-token"


def report(*tokens, url="https://example.com/leaked.py"):
    return json.dumps([{"token": t, "type": "pypi_api_token", "url": url} for t in tokens])


def is_revoked(token):
    token.refresh_from_db()
    return token.revoked is not None


def test_disclosure_revokes_valid_tokens_emails_and_records(client, user, django_capture_on_commit_callbacks):
    token, raw = make_token(user, name="leaky")
    other, other_raw = make_token(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DISCLOSE, report(raw, "pypi-not-a-token"), content_type="application/json")
    assert response.status_code == 204 and response.content == b""
    assert is_revoked(token) and not is_revoked(other)
    assert token.revoked_reason == APIToken.RevokeReason.LEAKED
    event = SecurityEvent.objects.get(tag=EventTag.ACCOUNT_API_TOKEN_REMOVED_LEAK)
    assert event.user == user and event.details["url"] == "https://example.com/leaked.py"
    assert raw not in json.dumps(event.details)
    assert any("leaky" in m.subject and "https://example.com/leaked.py" in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage{{",
        b'{"token": "x"}',
        b"[1, 2, null]",
        json.dumps([{"token": 12, "url": None}]).encode(),
        report("pypi-0000000000000000_" + "a" * 43).encode(),
        b"\xff\xfe\x00",
    ],
)
def test_disclosure_answers_204_to_anything(client, body):
    response = client.post(DISCLOSE, body, content_type="application/json")
    assert response.status_code == 204


def test_disclosure_twice_is_harmless(client, user):
    token, raw = make_token(user)
    client.post(DISCLOSE, report(raw), content_type="application/json")
    assert client.post(DISCLOSE, report(raw), content_type="application/json").status_code == 204
    assert SecurityEvent.objects.filter(tag=EventTag.ACCOUNT_API_TOKEN_REMOVED_LEAK).count() == 1


def test_disclosure_get_is_not_allowed(client):
    assert client.get(DISCLOSE).status_code == 405


@pytest.fixture
def scanner_key(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    settings.TOKEN_DISCLOSURE_PUBLIC_KEYS = [pem.decode()]
    return key


def sign(key, body):
    return base64.b64encode(key.sign(body.encode(), ec.ECDSA(hashes.SHA256()))).decode()


def test_signed_report_is_honoured_when_keys_are_configured(client, user, scanner_key):
    token, raw = make_token(user)
    body = report(raw)
    response = client.post(
        DISCLOSE, body, content_type="application/json", HTTP_GITHUB_PUBLIC_KEY_SIGNATURE=sign(scanner_key, body)
    )
    assert response.status_code == 204 and is_revoked(token)


def test_unsigned_or_forged_report_is_ignored_when_keys_are_configured(client, user, scanner_key):
    token, raw = make_token(user)
    body = report(raw)
    forged = sign(ec.generate_private_key(ec.SECP256R1()), body)
    for headers in [{}, {"HTTP_GITHUB_PUBLIC_KEY_SIGNATURE": forged}, {"HTTP_GITHUB_PUBLIC_KEY_SIGNATURE": "%%%"}]:
        assert client.post(DISCLOSE, body, content_type="application/json", **headers).status_code == 204
    # Signed over another body: the signature does not cover this one.
    other = sign(scanner_key, report(raw, url="https://elsewhere"))
    client.post(DISCLOSE, body, content_type="application/json", HTTP_GITHUB_PUBLIC_KEY_SIGNATURE=other)
    assert not is_revoked(token)


def test_self_revoke_with_the_token_itself(client, user):
    token, raw = make_token(user)
    response = client.post("/_/tokens/revoke", HTTP_AUTHORIZATION=basic_auth_header(raw))
    assert response.status_code == 200
    assert token.identifier in response.json()["detail"]
    assert is_revoked(token) and token.revoked_reason == APIToken.RevokeReason.SELF
    # The token is dead: using it again, even to revoke, is refused.
    again = client.post("/_/tokens/revoke", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert again.status_code == 403
    assert again.json()["detail"] == "Invalid or non-existent authentication information."


def test_self_revoke_needs_a_token(client, user, password):
    assert client.post("/_/tokens/revoke").status_code == 403
    response = client.post("/_/tokens/revoke", HTTP_AUTHORIZATION=basic_auth_header(password, username=user.username))
    assert response.status_code == 403
    assert "Username/Password authentication is no longer supported" in response.json()["detail"]


def test_a_token_cannot_log_in_to_the_website(client, user):
    token, raw = make_token(user)
    for username in (user.username, "__token__"):
        response = client.post("/account/login/", {"username": username, "password": raw})
        assert response.status_code == 200  # the form again, with an error
        assert "_auth_user_id" not in client.session
    # Nor do token credentials on a web page make a session.
    client.get("/manage/account/", HTTP_AUTHORIZATION=basic_auth_header(raw))
    assert "_auth_user_id" not in client.session
    assert client.get("/manage/account/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 302
    token_authenticate(raw=raw)  # the token itself still works for uploads
