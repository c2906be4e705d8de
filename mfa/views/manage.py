"""The management side: the 2FA page, adding and removing TOTP apps and security keys, recovery codes.

Thin views: bind input, call a service, render. The rules live in mfa/services/.
"""

from django.utils.translation import gettext
from logging import getLogger

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialRegistrationView,
    CompleteCredentialRegistrationView,
)

from accounts.navigation import next_url as _next
from accounts.ratelimit import RateLimited, rate_limited_response
from accounts.selectors import user_has_verified_primary_email

from .. import new_device, selectors, services
from ..decorators import reauthentication_fresh, reauthentication_required
from ..errors import TwoFactorError
from ..forms import PasswordConfirmForm, TOTPCodeForm, WebAuthnLabelForm, WebAuthnRemoveForm
from ..webauthn import WebAuthnError, ceremony_config

logger = getLogger(__name__)

TOTP_PENDING_KEY = "mfa_totp_pending"
WEBAUTHN_PENDING_LABEL = "mfa_webauthn_pending_label"


def _with_next(url, next_url):
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _after_method_added(request, next_url):
    """Offer recovery codes right after the first method, else return to `next` or the 2FA page."""
    if selectors.user_recovery_device(request.user) is None:
        messages.info(request, gettext("Now generate recovery codes: they let you sign in if you lose your device."))
        return _with_next(reverse("mfa:recovery-codes"), next_url)
    return next_url or reverse("mfa:manage")


# --- WebAuthn registration -----------------------------------------------------


class _RegistrationRules:
    def check_can_register(self):
        request = self.request
        if not user_has_verified_primary_email(request.user):
            raise WebAuthnError(str(services.EmailNotVerified()), code="email_not_verified")
        if not reauthentication_fresh(request):
            raise WebAuthnError(
                gettext("Confirm your password again: reload this page."), code="reauthentication_required"
            )
        if not request.session.get(WEBAUTHN_PENDING_LABEL):
            raise WebAuthnError(gettext("Choose a label for the new key first."), 400, "label_required")


@method_decorator(never_cache, name="dispatch")
class WebAuthnRegistrationBegin(_RegistrationRules, BeginCredentialRegistrationView):
    http_method_names = ["post"]


@method_decorator(never_cache, name="dispatch")
class WebAuthnRegistrationComplete(_RegistrationRules, CompleteCredentialRegistrationView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        user = request.user
        state = self.get_state()
        label = request.session.get(WEBAUTHN_PENDING_LABEL)
        helper = self.get_helper()
        try:
            with transaction.atomic(), rewrite_exceptions(logger=logger):
                credential = helper.register_complete(user=user, state=state, data=request.data)
                services.webauthn_credential_added(request=request, user=user, credential=credential, label=label)
        except TwoFactorError as error:
            raise WebAuthnError(str(error), 400, "invalid_label") from None
        request.session.pop(WEBAUTHN_PENDING_LABEL, None)
        if not request.user.is_verified():
            otp_login(request, credential)
        messages.success(request, gettext("Security key “%(name)s” added.") % {"name": credential.name})
        return JsonResponse({"id": credential.pk, "redirect_url": _after_method_added(request, _next(request))})


# --- management pages ----------------------------------------------------------


@login_required
def manage(request):
    user = request.user
    context = {
        "email_verified": user_has_verified_primary_email(user),
        "has_two_factor": selectors.user_has_two_factor(user),
        "totp_device": selectors.user_totp_device(user),
        "credentials": selectors.user_webauthn_credentials(user),
        "recovery_device": selectors.user_recovery_device(user),
        "recovery_remaining": selectors.user_recovery_codes_remaining(user),
        "remove_totp_form": PasswordConfirmForm(prefix="remove-totp"),
        "next": _next(request),
    }
    return render(request, "mfa/manage.html", context)


@reauthentication_required
def totp_provision(request):
    user = request.user
    next_url = _next(request)
    context = {"email_verified": user_has_verified_primary_email(user), "next": next_url}
    if not context["email_verified"]:
        return render(request, "mfa/totp_provision.html", context, status=400 if request.method == "POST" else 200)
    key = request.session.get(TOTP_PENDING_KEY)
    if not key:
        key = request.session[TOTP_PENDING_KEY] = services.totp_new_key()
    form = TOTPCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = services.totp_device_confirm(
                    request=request, user=user, key=key, code=form.cleaned_data["code"]
                )
            except RateLimited as error:
                context.update(form=form, **_totp_display(user, key))
                return rate_limited_response(request, "mfa/totp_provision.html", context, error)
            except TwoFactorError as error:
                form.add_error("code", str(error))
            else:
                request.session.pop(TOTP_PENDING_KEY, None)
                if not request.user.is_verified():
                    otp_login(request, device)
                messages.success(
                    request, gettext("Your authenticator app is set up. From now on, logging in asks for its code.")
                )
                # The browser that set the app up is one the account uses: signing in here needs no mailed link.
                return new_device.remember(request, redirect(_after_method_added(request, next_url)), user)
    context.update(form=form, replacing=selectors.user_totp_device(user) is not None, **_totp_display(user, key))
    response = render(request, "mfa/totp_provision.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _totp_display(user, key):
    uri = services.totp_provisioning_uri(user=user, key=key)
    return {"qr_svg": services.totp_qr_svg(uri), "secret": services.totp_base32(key)}


@login_required
@require_POST
def totp_remove(request):
    form = PasswordConfirmForm(request.POST, prefix="remove-totp")
    if not form.is_valid():
        messages.error(request, gettext("Enter your password to remove the authenticator app."))
        return redirect("mfa:manage")
    try:
        services.totp_device_remove(request=request, user=request.user, password=form.cleaned_data["password"])
    except RateLimited as error:
        messages.error(request, error.message)
    except TwoFactorError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("Authenticator app removed."))
    return redirect("mfa:manage")


@reauthentication_required
def webauthn_provision(request):
    user = request.user
    next_url = _next(request)
    form = WebAuthnLabelForm(request.POST or None)
    email_verified = user_has_verified_primary_email(user)
    status = 200
    if request.method == "POST":
        status = 400
        if not email_verified:
            form.add_error(None, str(services.EmailNotVerified()))
        elif form.is_valid():
            try:
                label = services.webauthn_label_check(user=user, label=form.cleaned_data["label"])
            except TwoFactorError as error:
                form.add_error("label", str(error))
            else:
                request.session[WEBAUTHN_PENDING_LABEL] = label
                return redirect(_with_next(reverse("mfa:webauthn-provision"), next_url))
    context = {
        "form": form,
        "email_verified": email_verified,
        "credentials": selectors.user_webauthn_credentials(user),
        "pending_label": request.session.get(WEBAUTHN_PENDING_LABEL) if email_verified else None,
        "webauthn_config": ceremony_config(request),
        "next": next_url,
    }
    # The browser script posts no `next`; carry it on the URL so the server can answer with it.
    context["webauthn_config"]["completeRegistrationUrl"] = _with_next(
        reverse("mfa:webauthn-register-complete"), next_url
    )
    return render(request, "mfa/webauthn_provision.html", context, status=status)


@reauthentication_required
def webauthn_remove(request, credential_id):
    credential = WebAuthnCredential.objects.filter(user=request.user, pk=credential_id).first()
    if credential is None:
        messages.error(request, gettext("That security key is not on your account."))
        return redirect("mfa:webauthn-provision")
    form = WebAuthnRemoveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                label = services.webauthn_credential_remove(
                    request=request,
                    user=request.user,
                    credential_id=credential.pk,
                    label_confirmation=form.cleaned_data["label"],
                )
            except TwoFactorError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, gettext("Security key “%(label)s” removed.") % {"label": label})
                return redirect("mfa:webauthn-provision")
    return render(request, "mfa/webauthn_remove.html", {"form": form, "credential": credential}, status=status)


@reauthentication_required
def recovery_codes(request):
    user = request.user
    next_url = _next(request)
    context = {
        "has_two_factor": selectors.user_has_two_factor(user),
        "email_verified": user_has_verified_primary_email(user),
        "recovery_device": selectors.user_recovery_device(user),
        "recovery_remaining": selectors.user_recovery_codes_remaining(user),
        "next": next_url,
    }
    if request.method == "POST":
        if not context["has_two_factor"]:
            messages.error(
                request, gettext("Add an authenticator app or a security key before generating recovery codes.")
            )
            return redirect("mfa:manage")
        try:
            codes = services.recovery_codes_generate(request=request, user=user)
        except TwoFactorError as error:
            messages.error(request, str(error))
            return redirect("mfa:manage")
        context["codes"] = codes
        context["codes_text"] = "\n".join(codes) + "\n"
        response = render(request, "mfa/recovery_codes_show.html", context)
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "mfa/recovery_codes.html", context)
