"""The API token pages under /manage/account/token/.

Every page needs a verified primary email, two-factor authentication and a
recent (re-)authentication. A new secret appears only in the response to the
POST that made it: that POST redirects to a page that shows it once from a
display slot (tokens.display: sealed in the cache, its key in a cookie of this
browser), marked no-store; it is never kept readable in the cache, the session
or a URL, and no later request can show it again.
"""

from functools import partial, wraps
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.selectors import user_has_verified_primary_email
from mfa.decorators import reauthentication_required, two_factor_required

from . import selectors, services
from .display import SLOT_SECONDS, display_cookie_name, display_slot_fill, display_slot_take
from .errors import DuplicateTokenName, TokenError
from .forms import TokenCreateForm
from .models import APIToken

SHOWN_ALREADY = gettext_lazy("That token was already shown once and cannot be shown again. Rotate it or create a new one if you lost it.")
VERIFIED_EMAIL_REQUIRED = gettext_lazy("Verify your primary email address before creating or managing API tokens.")


def verified_email_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not user_has_verified_primary_email(request.user):
            messages.warning(request, VERIFIED_EMAIL_REQUIRED)
            return redirect("accounts:manage")
        return view(request, *args, **kwargs)

    return wrapped


def token_pages(view):
    """Verified email, then 2FA, then a recent re-authentication; never cached."""
    return verified_email_required(two_factor_required(reauthentication_required(never_cache(view))))


def read_index_url(raw):
    """The site's simple index URL carrying `raw` as HTTP Basic credentials, as pip and uv accept it."""
    parts = urlsplit(settings.SITE_URL)
    return urlunsplit((parts.scheme, f"__token__:{raw}@{parts.netloc}", parts.path.rstrip("/") + "/simple/", "", ""))


def shown_once_redirect(request, token, raw, *, rotated_from=None):
    slot, key = display_slot_fill(user=request.user, token=token, raw=raw, rotated_from=rotated_from)
    response = redirect(f"{reverse('tokens:shown')}?{urlencode({'slot': slot})}")
    response.set_cookie(
        display_cookie_name(slot),
        key,
        max_age=SLOT_SECONDS,
        path=reverse("tokens:shown"),
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@token_pages
@require_safe
def token_shown(request):
    """The new secret, once: a reload (or anyone else) finds the slot empty."""
    slot = request.GET.get("slot", "")
    cookie = display_cookie_name(slot)
    content = display_slot_take(user=request.user, slot=slot, key=request.COOKIES.get(cookie, ""))
    if content is None:
        messages.warning(request, SHOWN_ALREADY)
        response = redirect("tokens:manage")
        if cookie in request.COOKIES:
            response.delete_cookie(cookie, path=reverse("tokens:shown"))
        return response
    token = APIToken.objects.filter(pk=content["token_id"]).select_related("organization").first()
    if token is None:
        return redirect("tokens:manage")
    rotated_from = APIToken.objects.filter(pk=content["rotated_from_id"]).first() if content["rotated_from_id"] else None
    back_url = reverse("tokens:organization", kwargs={"name": token.organization.name}) if token.organization_id else None
    response = render(
        request,
        "tokens/shown_once.html",
        {
            "token": token,
            "raw_token": content["raw"],
            "read_index_url": read_index_url(content["raw"]),
            "rotated_from": rotated_from,
            "back_url": back_url,
        },
    )
    response["Cache-Control"] = "no-store"
    response.delete_cookie(cookie, path=reverse("tokens:shown"))
    return response


def token_created(request, form, create):
    """Make a token from the valid `form` with `create(name=, projects=, expires=, can_read=, can_upload=)`: the
    redirect to its one showing, or None with the refusal on the form."""
    data = form.cleaned_data
    try:
        token, raw = create(
            name=data["name"],
            projects=data["project_names"],
            expires=data["expires_at"],
            can_read=data["can_read"],
            can_upload=data["can_upload"],
        )
    except DuplicateTokenName as error:
        form.add_error("name", str(error))
    except TokenError as error:
        form.add_error(None, str(error))
    else:
        return shown_once_redirect(request, token, raw)
    return None


def token_revoked(request, token, *, back):
    """Revoke `token` at its owner's request; back to the page `back` with what was done."""
    services.token_revoke(request=request, token=token, reason=APIToken.RevokeReason.OWNER)
    messages.success(request, gettext("Token “%(name)s” (%(identifier)s) revoked. It no longer works.") % {"name": token.name, "identifier": token.identifier})
    return redirect(back)


def token_rotated(request, token, *, back):
    """Rotate `token`: the redirect to the new secret's one showing, or back to `back` with the refusal."""
    try:
        new, raw = services.token_rotate(request=request, token=token)
    except TokenError as error:
        messages.error(request, str(error))
        return redirect(back)
    return shown_once_redirect(request, new, raw, rotated_from=token)


def _own_token(request, identifier):
    token = selectors.user_active_token(request.user, identifier)
    if token is None:
        raise Http404(gettext("No such token on your account."))
    return token


@token_pages
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if response := token_created(request, form, partial(services.token_create, request=request, user=request.user)):
            return response
    context = {"form": form, "tokens": selectors.user_tokens(request.user)}
    return render(request, "tokens/manage.html", context, status=400 if form.errors else 200)


def token_confirmed(request, token, *, action, back, context=None):
    """The page asking to confirm revoking or rotating `token` ("revoke", "rotate"), and its POST doing it."""
    if request.method == "POST":
        return (token_revoked if action == "revoke" else token_rotated)(request, token, back=back)
    return render(request, "tokens/confirm.html", {"token": token, "action": action, **(context or {})})


@token_pages
@require_http_methods(["GET", "POST"])
def token_revoke(request, identifier):
    return token_confirmed(request, _own_token(request, identifier), action="revoke", back="tokens:manage")


@token_pages
@require_http_methods(["GET", "POST"])
def token_rotate(request, identifier):
    return token_confirmed(request, _own_token(request, identifier), action="rotate", back="tokens:manage")
