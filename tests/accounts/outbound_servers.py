"""A local HTTP server whose routes misbehave on purpose: redirects, trickles, oversized bodies.

    server = MisbehavingServer().start()
    server.url("/ok")          # http://127.0.0.1:<port>/ok
    server.route("/x", lambda handler: handler.send_json({...}))
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.owner.requests.append((self.path, self.headers.get("Host")))
        route = self.server.owner.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404)
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_json(self, document, status=200):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location, status=302):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def trickle(self, total=100_000, every=0.05):
        """Promise `total` bytes and send one at a time, forever as far as the client is concerned."""
        self.send_response(200)
        self.send_header("Content-Length", str(total))
        self.end_headers()
        for _ in range(total):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(every)

    def trickle_headers(self, every=0.05):
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100_000):
            self.wfile.write(b"X")
            self.wfile.flush()
            time.sleep(every)

    def send_bytes(self, size, *, announce=True):
        self.send_response(200)
        if announce:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        chunk = b"x" * 65536
        for _ in range(size // len(chunk)):
            self.wfile.write(chunk)


class MisbehavingServer:
    def __init__(self):
        self.routes = {}
        self.requests = []
        self._server = None

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self):
        return self._server.server_address[1]

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def route(self, path, respond):
        self.routes[path] = respond
