"""A limited action whose limit cannot be counted is refused with 503, not a 500.

When the rate-limit store cannot be reached, a limit declared `REFUSE` (every
guard against guessing: login, second factor, password confirmation, reset and
verification mails, registration, invitations, invalid API tokens) raises
`RateLimitUnavailable`; this answers it: a page for people, plain text for
machines, both with `Retry-After`. Limits declared `ALLOW` never get here.
"""

import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from .stores import RateLimitUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER = 60


def unavailable_message():
    return gettext("This action is unavailable for a moment: its limit on attempts cannot be checked. Try again in a minute.")


class RateLimitUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimitUnavailable):
            return None
        log.warning("Refused %s %s: the rate-limit store is unavailable", request.method, request.path)
        if getattr(request, "_machine_path", False) or request.path_info.startswith(("/legacy", "/_/")):
            with translation.override(None):
                message = unavailable_message()
            response = HttpResponse(message + "\n", status=503, content_type="text/plain; charset=utf-8")
            response.reason_phrase = message
        else:
            response = render(request, "accounts/rate_limit_unavailable.html", {"message": unavailable_message()}, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
