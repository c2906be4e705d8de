"""Plain answers of the machine paths: a terminal gets one readable line of text on an error."""

from django.http import HttpResponse


def text(status, message, headers=None):
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    set_headers(response, headers or {})
    return response


def set_headers(response, headers):
    for name, value in headers.items():
        response.headers[name] = value


def not_found(what):
    return text(404, f"Not Found: {what}")
