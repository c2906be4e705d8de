"""Sensitive account pages ask who is there again ("sudo mode"), by the site's re-authentication policy.

The prompt and its checks (a password, or a security key) belong to a higher
app; accounts names the policy through settings.REAUTHENTICATION_REQUIRED
(a decorator's dotted path, `mfa.decorators.reauthentication_required` in this
site), as the login names its second step, so that accounts depends on nothing above it.
"""

from functools import wraps

from django.conf import settings
from django.utils.module_loading import import_string


def reauthentication_required(view):
    """Login required; a session whose last authentication is too old is asked to prove itself first."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return import_string(settings.REAUTHENTICATION_REQUIRED)(view)(request, *args, **kwargs)

    return wrapped
