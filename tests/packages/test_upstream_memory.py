"""Fetching a large upstream file streams it: a worker's peak memory rises by far less than the file's size.

The fetch runs in a fresh process (Django set up, nothing else), whose peak resident size is read with
`resource.getrusage` before and after; the upstream is a loopback server generating 200 MB on the fly.
"""

import hashlib
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SIZE = 200 * 1024 * 1024
CHUNK = b"0123456789abcdef" * 4096  # 64 KiB
ROOT = Path(__file__).resolve().parents[2]

MEASURE = """
import json, os, resource, sys
import django
django.setup()
from packages.upstream import files
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path, size = files._fetch(sys.argv[1], expected=sys.argv[2], filename="big-1.0-py3-none-any.whl", written=[])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "after_kb": after, "size": size, "path": path}))
"""


def _expected_sha256():
    digest = hashlib.sha256()
    for _ in range(SIZE // len(CHUNK)):
        digest.update(CHUNK)
    return digest.hexdigest()


def test_a_200_mb_upstream_file_raises_a_workers_peak_memory_by_less_than_64_mb(tmp_path):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(SIZE))
            self.end_headers()
            for _ in range(SIZE // len(CHUNK)):
                self.wfile.write(CHUNK)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "indexsite.settings",
        "MEDIA_ROOT": str(tmp_path / "files"),
        "UPSTREAM_INDEX_URL": f"{base}/simple/",
        "UPSTREAM_FILE_LIMIT": str(SIZE + 1),
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.sqlite3"),
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, f"{base}/big-1.0-py3-none-any.whl", _expected_sha256()],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["size"] == SIZE
    assert (tmp_path / "files" / measured["path"]).stat().st_size == SIZE
    grown_mb = (measured["after_kb"] - measured["before_kb"]) / 1024
    print(f"peak memory grew by {grown_mb:.1f} MB")
    assert grown_mb < 64, f"peak memory grew by {grown_mb:.0f} MB"
