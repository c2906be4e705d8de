"""The site's own error pages: 403, 403 for a failed CSRF check, 404, 500 (429 is
accounts/rate_limited.html, answered by the rate limits themselves).

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

