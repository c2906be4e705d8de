"""Requests through indexsite.wsgi.application, the stack gunicorn runs (the test client skips its outer layers)."""

from dataclasses import dataclass

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        import json

        return json.loads(self.body)


def wsgi_request(path, *, method="GET", headers=None, data=None, content_type=None, remote_addr="127.0.0.1", **extra):
    from indexsite.wsgi import application

    factory = RequestFactory(headers=headers or {}, REMOTE_ADDR=remote_addr)
    kwargs = {"content_type": content_type} if content_type else {}
    request = factory.generic(method, path, data=data or b"", **kwargs, **extra)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    # As the test client does: the test's transaction keeps its connection across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(request.environ, start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return Answer(int(seen["status"][:3]), {k.lower(): v for k, v in seen["headers"]}, body)


def multipart(fields):
    """(body, content type) of a multipart/form-data POST, as upload clients send it."""
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT
