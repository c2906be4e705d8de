"""The site's own error pages: 403, 403 for a failed CSRF check, 404, 429, 500.

The 500 page renders without a request, so no context processor (and no
database query: no session, no user) can fail a second time while showing it.
"""

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def _site():
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception is not None and str(exception) else ""
    return render(request, "403.html", {"exception": message}, status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    message = exception.args[0] if exception is not None and exception.args and isinstance(exception.args[0], str) else ""
    return render(request, "404.html", {"exception": message}, status=404)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    return HttpResponseServerError(loader.get_template("500.html").render(_site()))


def too_many_requests(request, message="", retry_after=None):
    """A 429 page; rate limits call it with their own message and Retry-After seconds."""
    response = render(request, "429.html", {"message": message}, status=429)
    if retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response
