"""A crash report (DEBUG page, mail to ADMINS) never shows a password, code or API token."""

import base64
import secrets
import sys

from django.test import RequestFactory
from django.views.debug import ExceptionReporter

# Made at run time, so the report's source-code excerpts cannot contain them.
TOKEN = "pypi-" + secrets.token_hex(8) + "_" + secrets.token_urlsafe(32)
SECRETS = [secrets.token_urlsafe(12), str(secrets.randbelow(10**6)).zfill(6), secrets.token_hex(8), secrets.token_urlsafe(12)]
BASIC = "Basic " + base64.b64encode(f"__token__:{TOKEN}".encode()).decode()


def _report(request):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    reporter = ExceptionReporter(request, *exc_info)
    return reporter.get_traceback_text() + reporter.get_traceback_html()


def test_report_hides_credentials_in_post_and_headers(settings):
    request = RequestFactory().post(
        "/account/login/",
        {
            "username": "visible-user",
            "password": SECRETS[0],
            "totp-code": SECRETS[1],
            "recovery_code": SECRETS[2],
            "new_password1": SECRETS[3],
        },
        HTTP_AUTHORIZATION=BASIC,
        HTTP_X_TOKEN=TOKEN,
    )
    report = _report(request)
    assert "visible-user" in report, "non-secret fields stay visible for debugging"
    for secret in (*SECRETS, BASIC, TOKEN):
        assert secret not in report
