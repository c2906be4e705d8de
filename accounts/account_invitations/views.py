"""The page an invitation link opens: choose a username and password, and the account exists."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import services as account_services
from ..errors import AccountError, InvitationLinkError
from . import services
from .forms import InvitedAccountForm


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    try:
        invitation = services.account_invitation_from_link(token)
    except InvitationLinkError as error:
        return render(request, "accounts/account_invitation.html", {"link_error": str(error)}, status=400)
    if request.user.is_authenticated:
        messages.warning(request, gettext("You are logged in already: log out to create another account."))
        return redirect("accounts:manage")
    form = InvitedAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.account_invitation_accept(
                request=request, token=token, username=data["username"], name=data["name"], password=data["password1"]
            )
        except InvitationLinkError as error:
            return render(request, "accounts/account_invitation.html", {"link_error": str(error)}, status=400)
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            account_services.user_login(request=request, user=user, method="password")
            messages.success(
                request,
                gettext("Welcome, %(username)s. Your account is ready and %(email)s is verified.")
                % {"username": user.username, "email": invitation.email},
            )
            return redirect("accounts:manage")
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/account_invitation.html", context, status=400 if form.errors else 200)
