"""Run in a fresh process on a restored database and storage: what a user of the restored site would see.

Reads a JSON object on stdin (the file to download, the token, the login) and
prints what happened as JSON; tests/packages/test_backup.py compares it with
the site before its backup.
"""

import hashlib
import json
import sys

import django

django.setup()

from django.test import Client  # noqa: E402

from accounts.models import SecurityEvent, User  # noqa: E402
from tests.mfa.factories import known_device, totp_code_for_key  # noqa: E402
from tests.packages.distributions import make_wheel, upload_form  # noqa: E402
from tests.tokens.factories import basic_auth_header  # noqa: E402


def main():
    given = json.load(sys.stdin)
    seen = {}
    client = Client()
    download = client.get(f"/files/{given['file_path']}")
    seen["download_status"] = download.status_code
    seen["download_sha256"] = hashlib.sha256(b"".join(download.streaming_content)).hexdigest()
    simple = client.get(f"/simple/{given['project']}/")
    seen["simple_lists_file"] = given["file_path"].rsplit("/", 1)[-1] in simple.content.decode()

    wheel = make_wheel(given["project"], "2.0")
    upload = client.post(
        "/legacy/", {**upload_form(wheel), "content": wheel.upload()},
        HTTP_AUTHORIZATION=basic_auth_header(given["token"]),
    )
    seen["upload_status"] = upload.status_code

    person = Client()
    # A browser the account had used before the backup: no new-device link to wait for.
    known_device(person, User.objects.get(username=given["username"]))
    person.post("/account/login/", {"username": given["username"], "password": given["password"]})
    second = person.post("/account/two-factor/", {"method": "totp", "totp-code": totp_code_for_key(given["totp_key"])})
    seen["login_status"] = second.status_code
    seen["signed_in"] = person.get("/manage/account/").status_code == 200

    user = User.objects.get(username=given["username"])
    seen["history"] = list(
        SecurityEvent.objects.filter(user=user, pk__lte=given["last_event_id"]).order_by("pk").values_list("tag", "ip_address")
    )
    json.dump(seen, sys.stdout)


main()
