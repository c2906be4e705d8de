"""A whole flow with every log line and event captured: no secret used along the way appears in any of them."""

import logging
import re
from base64 import b32encode
from binascii import unhexlify

import pytest
from django.core.cache import cache

from accounts.models import SecurityEvent, User
from accounts.services import email_verification_token
from tests.mfa.factories import known_device, TOTPDeviceFactory, totp_code
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.test_views import create as create_token
from tests.tokens.test_views import shown_tokens

pytestmark = pytest.mark.django_db

PASSWORD = "an unguessable passphrase 913"


@pytest.fixture
def every_log_line(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.db.backends", "django.security", ""):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


def test_no_secret_reaches_a_log_line_or_an_event(client, media_root, every_log_line):
    cache.clear()
    secrets = {"password": PASSWORD}
    # Register, verify the address, add an authenticator app.
    response = client.post(
        "/account/register/",
        {"username": "flow", "name": "Flow", "email": "flow@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(username="flow")
    client.get(f"/account/verify-email/?token={email_verification_token(user.emails.get())}")
    device = TOTPDeviceFactory(user=user)
    secrets["totp secret (hex)"] = device.key
    secrets["totp secret (base32)"] = b32encode(unhexlify(device.key)).decode()
    client.post("/account/logout/")

    # Log in with password and TOTP (on a browser the account has used); a wrong password first, as people do.
    known_device(client, user)
    client.post("/account/login/", {"username": "flow", "password": PASSWORD + "x"})
    client.post("/account/login/", {"username": "flow", "password": PASSWORD})
    code = totp_code(device)
    assert client.post("/account/two-factor/", {"method": "totp", "totp-code": code}).status_code == 302

    # Recovery codes, a token, an upload with it, and a wrong token.
    codes = list(dict.fromkeys(re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b",
                                          client.post("/manage/account/recovery-codes/").content.decode())))
    assert len(codes) == 8
    (raw_token,) = shown_tokens(create_token(client))
    secrets["api token"] = raw_token
    secrets["api token secret part"] = raw_token.rsplit("_", 1)[1]
    wheel = make_wheel("flow-demo", "1.0")
    auth = "Basic " + __import__("base64").b64encode(f"__token__:{raw_token}".encode()).decode()
    assert client.post("/legacy/", {**upload_form(wheel), "content": wheel.upload()}, HTTP_AUTHORIZATION=auth).status_code == 200
    wrong = raw_token[:-3] + ("abc" if not raw_token.endswith("abc") else "abd")
    secrets["wrong token"] = wrong
    client.post("/legacy/", {**upload_form(wheel), "content": wheel.upload()}, HTTP_AUTHORIZATION="Basic " + __import__("base64").b64encode(f"__token__:{wrong}".encode()).decode())

    # Sign in again with a recovery code.
    client.post("/account/logout/")
    client.post("/account/login/", {"username": "flow", "password": PASSWORD})
    secrets["recovery code"] = codes[0]
    assert client.post("/account/two-factor/", {"method": "recovery_code", "recovery-recovery_code": codes[0]}).status_code == 302

    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}" for r in every_log_line.records
    )
    events = "\n".join(f"{e.tag} {e.details!r} {e.user_agent}" for e in SecurityEvent.objects.all())
    assert logged and "account:recovery_codes:used" in events
    for what, value in secrets.items():
        assert value not in logged, f"{what} found in the logs"
        assert value not in events, f"{what} found in the security events"
