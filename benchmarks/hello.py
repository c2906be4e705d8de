"""The ceiling: the smallest WSGI app, run on the same gunicorn as the site by `make bench`."""

BODY = b"Hello, world!\n"


def application(environ, start_response):
    # An upload's body is read, as any app must before answering (the upload figure's ceiling).
    length = int(environ.get("CONTENT_LENGTH") or 0)
    while length > 0:
        length -= len(environ["wsgi.input"].read(min(length, 65536)) or b"") or length
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
