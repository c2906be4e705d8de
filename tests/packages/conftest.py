"""An S3 bucket for the storage tests: moto's S3 server on loopback, one per test session.

`s3_storage` points Django's default storage at that bucket with the options
indexsite/settings.py builds for FILE_STORAGE=s3 (read from the settings module
itself, run with those variables), so the tests exercise the configuration an
operator gets, and empties the bucket after each test.
"""

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import UserFactory
from tests.tokens.factories import basic_auth_header, make_token

BUCKET = "indexsite-files"
PREFIX = "dists"
REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]


def settings_for_s3(endpoint_url):
    """STORAGES["default"] and FILE_SERVE as indexsite/settings.py builds them with FILE_STORAGE=s3."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("S3_", "FILE_"))}
    env.update(
        DEBUG="1",
        FILE_STORAGE="s3",
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=endpoint_url,
        S3_REGION=REGION,
        S3_ACCESS_KEY_ID="testing",
        S3_SECRET_ACCESS_KEY="testing",
        S3_PREFIX=PREFIX,
    )
    code = (
        "import json, indexsite.settings as s; "
        "print(json.dumps({'storage': s.STORAGES['default'], 'serve': s.FILE_SERVE}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(result.stdout)


@dataclass
class Bucket:
    """The test bucket as a client sees it, past the storage backend."""

    client: object
    endpoint_url: str
    storage_settings: dict
    file_serve: str
    name: str = BUCKET
    prefix: str = PREFIX

    def key(self, path):
        return f"{self.prefix}/{path}"

    def keys(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def get(self, path):
        return self.client.get_object(Bucket=self.name, Key=self.key(path))["Body"].read()

    def put(self, path, data):
        self.client.put_object(Bucket=self.name, Key=self.key(path), Body=data)

    def backdate(self, path, by):
        """Make the server report the object as written `by` (a timedelta) earlier, as os.utime ages a file.

        S3 has no call to set LastModified; the server runs in this process, so its own record is moved.
        """
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        stored = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[self.name].keys[self.key(path)]
        stored.last_modified -= by

    def empty(self):
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)


def fetch(url):
    """GET `url` as a plain HTTP client would (no proxies): (status, headers, body)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.status, response.headers, response.read()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free loopback port, with the bucket created through boto3."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)
        built = settings_for_s3(endpoint_url)
        yield Bucket(
            client=client, endpoint_url=endpoint_url, storage_settings=built["storage"], file_serve=built["serve"]
        )
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_server, settings, media_root):
    """Django's default storage is the moto bucket (FILE_STORAGE=s3 as configured); the bucket is emptied after.

    MEDIA_ROOT points at an empty temporary folder, so a test can also show nothing was written locally.
    """
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings}
    settings.FILE_SERVE = s3_server.file_serve
    # Changing STORAGES resets Django's cached storages; make sure this one is the bucket.
    assert isinstance(default_storage, S3Storage) and default_storage.bucket_name == BUCKET
    s3_server.empty()
    yield s3_server
    s3_server.empty()


@pytest.fixture
def uploader(db):
    """A person who may upload: two-factor on (and, from the factory, a verified primary email)."""
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@pytest.fixture
def auth(uploader):
    """The uploader's Basic auth header with an account-wide token, as twine sends it."""
    return basic_auth_header(make_token(uploader)[1])


@pytest.fixture(scope="session")
def sigstore_instance():
    """A throwaway Sigstore (CA, CT log, Rekor) for this test session (tests/packages/sigstore_instance.py)."""
    from tests.packages.sigstore_instance import SigstoreInstance

    return SigstoreInstance()


@pytest.fixture(scope="session")
def trusted_root_file(sigstore_instance, tmp_path_factory):
    return sigstore_instance.write_trusted_root(tmp_path_factory.mktemp("sigstore") / "trusted_root.json")


@pytest.fixture
def trusted_root(settings, trusted_root_file):
    """INTEGRITY_TRUSTED_ROOT pointed at the session's Sigstore: attestations verify offline."""
    settings.INTEGRITY_TRUSTED_ROOT = str(trusted_root_file)
    return trusted_root_file
