"""A bounded load run against a production-like server: gunicorn, PostgreSQL, Redis.

Not a test (not part of `make test`): a measurement. It

1. creates a throwaway PostgreSQL database and uses one Redis database as the
   cache (both on this machine), migrates, and makes uploaders (verified email,
   authenticator app, API token) and a user who logs in;
2. starts gunicorn on 127.0.0.1 only (DEBUG off, a throwaway SECRET_KEY);
3. for DURATION seconds runs CLIENTS parallel clients, each looping over a mix
   of uploads (a new wheel each time), installs (the simple page, then the
   file and its METADATA, checking their hashes) and logins (page, then POST);
4. prints requests/s, the error count (5xx, unexpected statuses, connection
   errors, hash mismatches) and lost files: every upload answered 200 must be
   in the database and served with the bytes that were sent.

The upload rate limit is raised for the run (one IP sends every upload).

Run: .venv/bin/python benchmarks/load.py [--duration 60] [--clients 8]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379.
"""

import argparse
import base64
import hashlib
import http.client
import io
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: this script never sends a request elsewhere
PASSWORD = "load-test passphrase 2718"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wheel(name, version):
    dist = name.replace("-", "_")
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: load\n".encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{dist}/__init__.py", f"VERSION = {version!r}\n{secrets.token_hex(64)!r}\n")
        archive.writestr(f"{dist}-{version}.dist-info/METADATA", metadata)
        archive.writestr(f"{dist}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{dist}-{version}.dist-info/RECORD", "")
    return f"{dist}-{version}-py3-none-any.whl", buffer.getvalue(), metadata


def multipart(fields, filename, data):
    boundary = secrets.token_hex(16)
    out = io.BytesIO()
    for key, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    out.write(data + f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors = []
        self.uploaded = []  # (filename, sha256) answered 200
        self.by_kind = {}

    def count(self, kind, n=1):
        with self.lock:
            self.requests += n
            self.by_kind[kind] = self.by_kind.get(kind, 0) + n

    def error(self, what):
        with self.lock:
            self.errors.append(what)


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def client_loop(n, port, deadline, accounts, stats):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    uploader = accounts["uploaders"][n % len(accounts["uploaders"])]
    auth = "Basic " + base64.b64encode(f"__token__:{uploader['token']}".encode()).decode()
    project = uploader["project"]
    step = 0
    while time.monotonic() < deadline:
        step += 1
        kind = ("upload", "install", "install", "login")[(step - 1) % 4]  # each client uploads first
        try:
            if kind == "upload":
                filename, data, _ = wheel(project, f"{n}.{step}")
                fields = {
                    ":action": "file_upload", "protocol_version": "1", "metadata_version": "2.1", "name": project,
                    "version": f"{n}.{step}", "filetype": "bdist_wheel", "pyversion": "py3",
                    "sha256_digest": hashlib.sha256(data).hexdigest(),
                }
                body, content_type = multipart(fields, filename, data)
                status, _, text = request(conn, "POST", "/legacy/", body, {"Authorization": auth, "Content-Type": content_type})
                stats.count("upload")
                if status == 200:
                    with stats.lock:
                        stats.uploaded.append((filename, hashlib.sha256(data).hexdigest()))
                else:
                    stats.error(f"upload {filename}: {status} {text[:200]!r}")
            elif kind == "install":
                status, _, text = request(conn, "GET", f"/simple/{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
                stats.count("install")
                if status != 200:
                    stats.error(f"simple {project}: {status}")
                    continue
                import json

                files = json.loads(text)["files"]
                if files:
                    chosen = files[step % len(files)]
                    path = chosen["url"].split(f"{HOST}:{port}", 1)[-1]
                    status, _, blob = request(conn, "GET", path)
                    stats.count("install")
                    if status != 200 or hashlib.sha256(blob).hexdigest() != chosen["hashes"]["sha256"]:
                        stats.error(f"file {chosen['filename']}: {status} (hash mismatch or error)")
            else:
                login = accounts["login"]
                status, headers, page = request(conn, "GET", "/account/login/")
                stats.count("login")
                cookie = headers.get("Set-Cookie", "").split(";")[0]
                token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
                if status != 200 or token is None:
                    stats.error(f"login page: {status}")
                    continue
                body = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "username": login, "password": PASSWORD})
                status, _, _ = request(
                    conn, "POST", "/account/login/", body,
                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Referer": f"http://{HOST}:{port}/account/login/"},
                )
                stats.count("login")
                if status != 302:
                    stats.error(f"login: {status}")
        except (OSError, http.client.HTTPException) as error:
            stats.error(f"{kind}: {type(error).__name__}: {error}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (at most 300)")
    parser.add_argument("--clients", type=int, default=8, help="parallel clients (at most 32)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    args = parser.parse_args()
    duration, clients = min(args.duration, 300), min(args.clients, 32)

    database = f"indexsite_load_{os.getpid()}"
    media = tempfile.mkdtemp(prefix="indexsite-load-")
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # localhost: WebAuthn's checks take it as a secure origin without TLS (an IP address is not one).
        "SITE_URL": f"http://localhost:{port}",
        "ALLOWED_HOSTS": f"localhost,{HOST}",
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{database}",
        "CACHE_URL": os.environ.get("LOAD_CACHE_URL", f"redis://{HOST}:6379/14"),
        "MEDIA_ROOT": media,
        "EMAIL_URL": "consolemail://",
        "UPLOAD_RATE_LIMIT": "100000",
        "PROJECT_CREATION_RATE_LIMIT": "100000",
        "LOG_LEVEL": "WARNING",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
    }
    python = sys.executable
    subprocess.run(["createdb", "-h", HOST, "-U", "postgres", database], check=True)
    server = None
    try:
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        # Production serves hashed static files from a manifest, as after a deploy.
        subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup = subprocess.run(
            [python, "manage.py", "shell", "-c", SETUP.replace("@CLIENTS@", str(clients)).replace("@PASSWORD@", PASSWORD)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )
        accounts = eval(setup.stdout.strip().splitlines()[-1])  # noqa: S307 - our own shell's printed dict
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "indexsite.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(args.workers),
             "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )
        for _ in range(100):
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        stats = Stats()
        started = time.monotonic()
        deadline = started + duration
        threads = [threading.Thread(target=client_loop, args=(n, port, deadline, accounts, stats)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

        # Lost files: every 200 must be a row and be served with its bytes.
        check = subprocess.run(
            [python, "manage.py", "shell", "-c",
             "from packages.models import File; print(dict(File.objects.values_list('filename', 'sha256_digest')))"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )
        stored = eval(check.stdout.strip().splitlines()[-1])  # noqa: S307
        lost = [f for f, sha in stats.uploaded if stored.get(f) != sha]
        print(f"duration {elapsed:.1f} s, {clients} clients, {args.workers} gunicorn workers")
        print(f"requests {stats.requests} ({stats.requests / elapsed:.1f}/s): " + ", ".join(f"{k} {v}" for k, v in sorted(stats.by_kind.items())))
        print(f"uploads accepted {len(stats.uploaded)}")
        print(f"errors {len(stats.errors)}")
        for line in stats.errors[:10]:
            print("  ", line)
        print(f"lost files {len(lost)}")
        return 1 if stats.errors or lost else 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        subprocess.run(["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", database], check=False)
        subprocess.run(["rm", "-rf", media], check=False)


SETUP = """
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from accounts.models import Email, User
from tokens.services import token_create
cache.clear()
uploaders = []
for n in range(@CLIENTS@):
    user = User.objects.create_user(username=f"uploader{n}", password="@PASSWORD@")
    Email.objects.create(user=user, email=f"uploader{n}@example.com", primary=True, verified=True)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    uploaders.append({"token": token_create(user=user, name="load")[1], "project": f"load-project-{n}"})
login = User.objects.create_user(username="loginuser", password="@PASSWORD@")
Email.objects.create(user=login, email="login@example.com", primary=True, verified=True)
print({"uploaders": uploaders, "login": "loginuser"})
"""

if __name__ == "__main__":
    sys.exit(main())
