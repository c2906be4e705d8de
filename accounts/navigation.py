"""Where to send the user next: only ever to a page of this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, candidate=None):
    """`candidate`, or the request's `next` parameter, when it points into this site; else None."""
    target = candidate if candidate is not None else (request.POST.get("next") or request.GET.get("next"))
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None
