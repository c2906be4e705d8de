"""Every signed-in request passes its session's row: an ended, idle or too old session is signed out here."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext

from .services import session_check


class AccountSessionMiddleware:
    """List after the authentication and messages middleware. One indexed read per signed-in request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a request that carries a session cookie reads the session (reading it adds `Vary: Cookie`);
        # machine paths never use one.
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and not request.path.startswith(settings.MACHINE_PATH_PREFIXES)
            and SESSION_KEY in request.session
            and request.user.is_authenticated
        ):
            reason = session_check(request)
            if reason is not None:
                request.session.flush()
                request.user = AnonymousUser()
                if reason == "ended":
                    messages.info(request, gettext("This session was signed out. Sign in again to continue."))
                else:
                    messages.info(request, gettext("Your session expired. Sign in again to continue."))
        return self.get_response(request)
