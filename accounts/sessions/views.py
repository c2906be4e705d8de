"""The account's sessions: sign out one, or every other one (forms on the account page)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django.utils.translation import gettext, ngettext

from ..errors import AccountError
from . import SESSION_ROW, services


@login_required
@require_POST
def session_sign_out(request, session_id):
    current = request.session.get(SESSION_ROW) == session_id
    try:
        row = services.session_end(request=request, user=request.user, session_id=session_id)
    except AccountError as error:
        messages.error(request, str(error))
        return redirect("accounts:manage")
    if current:
        logout(request)
        messages.success(request, gettext("You signed out."))
        return redirect("home")
    messages.success(
        request,
        gettext("Signed out the session on %(device)s.") % {"device": services.session_described(row)["device"]},
    )
    return redirect("accounts:manage")


@login_required
@require_POST
def sessions_sign_out_everywhere(request):
    """Every session, this one too: the remedy for a copied session cookie, which shares this session."""
    with transaction.atomic():
        services.sessions_end(request=request, user=request.user, reason="owner_everywhere", keep_current=False)
    logout(request)
    messages.success(request, gettext("You signed out everywhere. Sign in again, then change your password."))
    return redirect("accounts:login")


@login_required
@require_POST
def sessions_sign_out_others(request):
    with transaction.atomic():
        count = services.sessions_end(request=request, user=request.user, reason="owner")
    messages.success(
        request,
        ngettext("Signed out %(count)d other session.", "Signed out %(count)d other sessions.", count) % {"count": count},
    )
    return redirect("accounts:manage")
