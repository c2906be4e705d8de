"""LOG_FORMAT=json: one JSON object per line, the request's id on every line, secrets nowhere."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site.wsgi import multipart, wsgi_request
from tests.packages.distributions import make_wheel, upload_form
from tests.tokens.factories import basic_auth_header, make_token

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_each_request_gets_one_json_access_line_with_its_id(json_log, media_root):
    answer = wsgi_request("/simple/?page=2", headers={"X-Request-ID": "chosen-by-the-client"})
    request_id = answer.headers["x-request-id"]
    # Without a trusted proxy the client cannot choose the id.
    assert request_id != "chosen-by-the-client" and len(request_id) == 32
    (line,) = json_log.access()
    assert line["request_id"] == request_id
    assert line["level"] == "INFO" and line["logger"] == "indexsite.access"
    assert line["timestamp"].startswith("20") and line["timestamp"].endswith("+00:00")
    assert (line["method"], line["path"], line["query"], line["status"]) == ("GET", "/simple/", "page=2", 200)
    assert 0 < line["duration_ms"] < 5000
    assert line["client_ip"] == "127.0.0.1"
    assert line["user_id"] is None and line["token_id"] is None


def test_behind_a_trusted_proxy_its_request_id_and_the_client_ip_are_used(json_log, settings, media_root):
    settings.NUM_PROXIES = 1
    answer = wsgi_request(
        "/_health/live",
        headers={"X-Request-ID": "edge-7f3a", "X-Forwarded-For": "198.51.100.1, 203.0.113.9"},
        remote_addr="10.0.0.2",
    )
    assert answer.headers["x-request-id"] == "edge-7f3a"
    (line,) = json_log.access()
    assert line["request_id"] == "edge-7f3a"
    assert line["client_ip"] == "203.0.113.9"  # the one the proxy saw, not what the client wrote before it


def test_a_request_id_that_could_forge_a_header_or_a_log_line_is_replaced(json_log, settings):
    settings.NUM_PROXIES = 1
    answer = wsgi_request("/_health/live", headers={"X-Request-ID": 'x" injected\tline'})
    assert answer.headers["x-request-id"] != 'x" injected\tline' and len(answer.headers["x-request-id"]) == 32


def test_lines_logged_inside_a_request_carry_its_id(json_log, monkeypatch, media_root):
    import logging

    from indexsite import health

    def failing(connection):
        logging.getLogger("indexsite.health").warning("inside the request")
        raise RuntimeError("no database")

    monkeypatch.setattr(health, "_applied_migrations", failing)
    answer = wsgi_request("/_health/ready")
    inner = [line for line in json_log.objects() if line["message"] == "inside the request"]
    assert inner and inner[0]["request_id"] == answer.headers["x-request-id"]
    assert inner[0]["method"] == "GET"


def test_a_token_upload_logs_the_tokens_public_identifier_never_the_token(json_log, uploader, media_root):
    token, raw = make_token(uploader)
    wheel = make_wheel("logged-demo", "1.0")
    body, content_type = multipart({**upload_form(wheel), "content": wheel.upload()})
    answer = wsgi_request(
        "/legacy/", method="POST", data=body, content_type=content_type,
        headers={"Authorization": basic_auth_header(raw)},
    )
    assert answer.status == 200, answer.body
    (line,) = json_log.access()
    assert line["token_id"] == token.identifier and line["user_id"] == uploader.pk
    assert raw not in json_log.text and raw.rsplit("_", 1)[1] not in json_log.text


def test_a_signed_in_person_is_logged_by_user_id(json_log, client, user):
    client.force_login(user)
    session = client.cookies["sessionid"].value
    answer = wsgi_request("/manage/account/", headers={"Cookie": f"sessionid={session}"})
    assert answer.status == 200
    (line,) = json_log.access()
    assert line["user_id"] == user.pk
    assert session not in json_log.text


def test_secrets_in_the_address_are_masked(json_log):
    wsgi_request("/account/reset-password/MQ/cw5b7x-0123456789abcdef0123456789abcdef/")
    wsgi_request("/account/verify-email/?token=eyJ1c2VyIjoxfQ.secretpart&next=/manage/")
    assert "0123456789abcdef0123456789abcdef" not in json_log.text
    assert "secretpart" not in json_log.text
    reset, verify = json_log.access()
    assert reset["path"] == "/account/reset-password/MQ/[masked]/"
    assert verify["query"] == "token=[masked]&next=%2Fmanage%2F"


def test_log_format_json_configures_the_site_for_json_lines():
    """The setting itself, in a fresh process as the server starts: every line on stderr parses as JSON."""
    env = {**os.environ, "DEBUG": "1", "LOG_FORMAT": "json"}
    code = "import django, logging; django.setup(); logging.getLogger('indexsite.demo').warning('hello %s', 'there')"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "indexsite.settings"},
                            capture_output=True, text=True, timeout=60, check=True)
    (line,) = [json.loads(text) for text in result.stderr.splitlines()]
    assert line["message"] == "hello there" and line["level"] == "WARNING" and line["logger"] == "indexsite.demo"
    assert line["request_id"] == "-"


def test_an_unknown_log_format_is_refused_at_start():
    env = {**os.environ, "DEBUG": "1", "LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "indexsite.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "LOG_FORMAT='xml': expected text or json" in result.stderr


def test_access_log_off_leaves_the_other_lines():
    env = {**os.environ, "DEBUG": "1", "LOG_FORMAT": "json", "ACCESS_LOG": "0", "DJANGO_SETTINGS_MODULE": "indexsite.settings"}
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('indexsite.access').info('an access line'); logging.getLogger('indexsite.demo').info('kept')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                            check=True)
    assert [json.loads(text)["message"] for text in result.stderr.splitlines()] == ["kept"]
