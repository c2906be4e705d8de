"""A whole flow with every log line and event captured: no secret used along the way appears in any of them."""

import logging
import re
from base64 import b32encode
from binascii import unhexlify

import pytest
from django.core.cache import cache

from accounts.models import SecurityEvent, User
from accounts.services import email_verification_token
from indexsite.logs import json_formatter
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
    # The same records as LOG_FORMAT=json writes them: every attribute a record carries is written
    # out there (Django's request loggers attach the request, whose text holds the query string).
    as_json = "\n".join(json_formatter().format(record) for record in every_log_line.records)
    events = "\n".join(f"{e.tag} {e.details!r} {e.user_agent}" for e in SecurityEvent.objects.all())
    assert logged and "account:recovery_codes:used" in events
    for what, value in secrets.items():
        assert value not in logged, f"{what} found in the logs"
        assert value not in as_json, f"{what} found in the JSON logs"
        assert value not in events, f"{what} found in the security events"


def test_no_secret_reaches_the_json_access_lines(every_log_line, media_root, settings):
    """Through the application gunicorn runs, whose outer layer writes one access line per request."""
    from tests.site.wsgi import multipart, wsgi_request

    settings.NUM_PROXIES = 1
    cache.clear()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.factories import UserFactory

    user = UserFactory(username="lines", password=PASSWORD, email__verified=False)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    verify = email_verification_token(user.emails.get())
    raw_token = create_token_for(user)
    wheel = make_wheel("lines-demo", "1.0")
    body, content_type = multipart({**upload_form(wheel), "content": wheel.upload()})
    auth = "Basic " + __import__("base64").b64encode(f"__token__:{raw_token}".encode()).decode()
    secrets = {"password": PASSWORD, "api token": raw_token, "verification token": verify}

    form = f"username=lines&password={PASSWORD.replace(' ', '+')}"
    wsgi_request("/account/login/", method="POST", data=form.encode(), content_type="application/x-www-form-urlencoded")
    wsgi_request(f"/account/verify-email/?token={verify}")
    wsgi_request(f"/account/verify-email/?token={verify}x")
    wsgi_request(f"/no-such-page/?token={verify}")  # Django logs the 404 with the request attached
    wsgi_request("/account/reset-password/MQ/d4x2kq-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6/")
    secrets["reset link token"] = "d4x2kq-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
    assert wsgi_request("/legacy/", method="POST", data=body, content_type=content_type,
                        headers={"Authorization": auth}).status == 200
    wsgi_request("/legacy/", method="POST", data=body, content_type=content_type,
                 headers={"Authorization": auth[:-4] + "abcd", "X-Request-ID": raw_token[:20]})

    as_json = "\n".join(json_formatter().format(record) for record in every_log_line.records)
    assert as_json.count('"logger": "indexsite.access"') == 7
    for what, value in secrets.items():
        assert value not in as_json, f"{what} found in the JSON logs"


def create_token_for(user):
    from tests.tokens.factories import make_token

    return make_token(user)[1]
