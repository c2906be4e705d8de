"""The ceiling: the smallest WSGI app, run on the same gunicorn as the site by `make bench`."""

BODY = b"Hello, world!\n"


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
