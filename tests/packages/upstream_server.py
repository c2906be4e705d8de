"""A programmable upstream index on loopback, for the faults a real index rarely shows on demand.

    upstream = UpstreamServer(); upstream.start()
    upstream.routes["/simple/demo/"] = Route(200, {"Content-Type": JSON}, body)
    upstream.log            # [(method, path, headers)] of every request received
"""

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON = "application/vnd.pypi.simple.v1+json"


@dataclass
class Route:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds before each chunk (a trickle)
    chunks: int = 1
    truncate: bool = False  # claim the full length, send half and close


class UpstreamServer:
    def __init__(self):
        self.routes = {}
        self.log = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with server.lock:
                    server.log.append(("GET", self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                if callable(route):
                    route = route(self)
                    if route is None:
                        return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                body = route.body[: len(route.body) // 2] if route.truncate else route.body
                step = max(1, len(body) // route.chunks) if body else 1
                try:
                    for start in range(0, len(body), step):
                        if route.delay:
                            time.sleep(route.delay)
                        self.wfile.write(body[start : start + step])
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if route.truncate:
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_for(self, path):
        return [entry for entry in self.log if entry[1] == path]

    def publish(self, name, files, *, versions=None, etag=None):
        """Serve a PEP 691 page for `name` listing `files` ({filename: bytes}) and serve each file."""
        entries = []
        for filename, content in files.items():
            path = f"/files/{hashlib.sha256(content).hexdigest()[:8]}/{filename}"
            self.routes[path] = Route(200, {"Content-Type": "application/octet-stream"}, content)
            entries.append(
                {
                    "filename": filename,
                    "url": f"{self.base}{path}",
                    "hashes": {"sha256": hashlib.sha256(content).hexdigest()},
                    "requires-python": ">=3.8",
                    "yanked": False,
                    "core-metadata": False,
                    "size": len(content),
                }
            )
        document = {"meta": {"api-version": "1.1"}, "name": name, "versions": versions or [], "files": entries}
        headers = {"Content-Type": JSON}
        if etag:
            headers["ETag"] = etag
        self.routes[f"/simple/{name}/"] = Route(200, headers, json.dumps(document).encode())
        return document
