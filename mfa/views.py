"""Thin views: bind input, call a service, render. The rules live in services.py."""

from logging import getLogger

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BaseWebAuthnView,
    BeginCredentialRegistrationView,
    CompleteCredentialRegistrationView,
)
from webauthn import base64url_to_bytes

from accounts.ratelimit import RateLimited
from accounts.selectors import user_has_verified_primary_email

from . import selectors, services
from .decorators import reauthentication_fresh, reauthentication_required
from .errors import TwoFactorError
from .forms import PasswordConfirmForm, RecoveryCodeForm, TOTPCodeForm, WebAuthnLabelForm, WebAuthnRemoveForm
from .login import half_login, half_login_expire, login_complete
from .webauthn import ceremony_config

logger = getLogger(__name__)

TOTP_PENDING_KEY = "mfa_totp_pending"
WEBAUTHN_PENDING_LABEL = "mfa_webauthn_pending_label"
WEBAUTHN_AUTH_STATE = "mfa_webauthn_auth_state"


def _next(request):
    """The `next` parameter when it points into this site, else None."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _with_next(url, next_url):
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _too_many(request, template, context, error):
    context["rate_limited"] = f"Too many attempts. Try again in {error.minutes} minute{'s' if error.minutes != 1 else ''}."
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _after_method_added(request, next_url):
    """Offer recovery codes right after the first method, else return to `next` or the 2FA page."""
    if selectors.user_recovery_device(request.user) is None:
        messages.info(request, "Now generate recovery codes: they let you sign in if you lose your device.")
        return _with_next(reverse("mfa:recovery-codes"), next_url)
    return next_url or reverse("mfa:manage")


# --- second step of login ----------------------------------------------------


@never_cache
def second_step(request):
    pending = half_login(request)
    if pending is None:
        messages.info(request, "Log in with your username and password first.")
        return redirect("accounts:login")
    if pending.expired:
        return redirect(half_login_expire(request, pending))
    user = pending.user
    totp_form = TOTPCodeForm(prefix="totp")
    recovery_form = RecoveryCodeForm(prefix="recovery")
    context = {
        "pending_user": user,
        "has_totp": selectors.user_totp_device(user) is not None,
        "has_security_key": selectors.user_webauthn_credentials(user).exists(),
        "webauthn_config": ceremony_config(request, purpose="second-step"),
        "next": pending.next_url,
    }
    status = 200
    if request.method == "POST":
        method = request.POST.get("method")
        try:
            if method == "totp":
                totp_form = TOTPCodeForm(request.POST, prefix="totp")
                if totp_form.is_valid():
                    device = services.totp_verify(request=request, user=user, code=totp_form.cleaned_data["code"])
                    login_complete(request=request, user=user, device=device, method="totp")
                    return redirect(pending.next_url)
            elif method == "recovery_code":
                recovery_form = RecoveryCodeForm(request.POST, prefix="recovery")
                if recovery_form.is_valid():
                    device, remaining = services.recovery_code_verify(
                        request=request, user=user, code=recovery_form.cleaned_data["recovery_code"]
                    )
                    login_complete(request=request, user=user, device=device, method="recovery_code")
                    advice = " Generate a new set soon." if remaining <= 2 else ""
                    messages.warning(
                        request,
                        f"You signed in with a recovery code. You have {remaining} recovery "
                        f"code{'s' if remaining != 1 else ''} left.{advice}",
                    )
                    return redirect(pending.next_url)
        except RateLimited as error:
            context.update(totp_form=totp_form, recovery_form=recovery_form)
            return _too_many(request, "mfa/second_step.html", context, error)
        except TwoFactorError as error:
            form = totp_form if method == "totp" else recovery_form
            form.add_error(None, str(error))
        status = 400
    context.update(totp_form=totp_form, recovery_form=recovery_form)
    return render(request, "mfa/second_step.html", context, status=status)


# --- WebAuthn authentication: second step, passkey sign-in, re-authentication --

PURPOSES = ("second-step", "passkey", "reauthenticate")


class WebAuthnError(webauthn_errors.OTPWebAuthnApiError):
    def __init__(self, detail, status=403, code="refused"):
        super().__init__(detail=detail, code=code)
        self.status_code = status


def _ceremony_user(request, purpose):
    """(user or None, require_user_verification, pending half-login) for a ceremony."""
    if purpose == "second-step":
        pending = half_login(request)
        if pending is None:
            raise WebAuthnError("Log in with your username and password first.", code="not_authenticated")
        if pending.expired:
            half_login_expire(request, pending)
            raise WebAuthnError("Your sign-in expired after 5 minutes without a second factor. Log in again.", code="expired")
        try:
            services.check_attempts(request=request, user=pending.user, method="webauthn")
        except RateLimited as error:
            raise WebAuthnError(
                f"Too many attempts. Try again in {error.minutes} minute{'s' if error.minutes != 1 else ''}.", 429
            ) from None
        return pending.user, False, pending
    if purpose == "passkey":
        # Signing in with the passkey alone: the authenticator must verify the user (PIN, biometrics).
        return None, True, None
    if not request.user.is_authenticated:
        raise WebAuthnError("Log in first.", code="not_authenticated")
    return request.user, False, None


def _credential_owner(data):
    try:
        raw = base64url_to_bytes(data.get("rawId") or data.get("id") or "")
        return WebAuthnCredential.get_by_credential_id(raw).user
    except Exception:  # noqa: BLE001 - unknown or malformed credential: no owner to record
        return None


@method_decorator(never_cache, name="dispatch")
class WebAuthnAuthenticationBegin(BaseWebAuthnView):
    http_method_names = ["post"]

    def post(self, request, purpose):
        if purpose not in PURPOSES:
            raise WebAuthnError("Unknown ceremony.", 404, "not_found")
        user, require_uv, _ = _ceremony_user(request, purpose)
        helper = WebAuthnCredential.get_webauthn_helper(request=request)
        data, state = helper.authenticate_begin(user=user, require_user_verification=require_uv)
        request.session[WEBAUTHN_AUTH_STATE] = {"purpose": purpose, "user_id": user.pk if user else None, "state": state}
        return JsonResponse(data)


@method_decorator(never_cache, name="dispatch")
class WebAuthnAuthenticationComplete(BaseWebAuthnView):
    http_method_names = ["post"]

    def post(self, request, purpose):
        saved = request.session.pop(WEBAUTHN_AUTH_STATE, None)
        request.session.save()  # a challenge is never usable twice, even if this request fails
        user, _, pending = _ceremony_user(request, purpose)
        if not saved or saved.get("purpose") != purpose or saved.get("user_id") != (user.pk if user else None):
            raise webauthn_errors.InvalidState()
        helper = WebAuthnCredential.get_webauthn_helper(request=request)
        try:
            with rewrite_exceptions(logger=logger):
                credential = helper.authenticate_complete(user=user, state=saved["state"], data=request.data)
        except webauthn_errors.OTPWebAuthnApiError as error:
            owner = user or _credential_owner(request.data)
            stale = "sign count" in str(error.__cause__ or "")
            if owner is not None:
                services.record_failure(
                    request=request, user=owner, method="webauthn", reason="sign_count" if stale else error.code
                )
            if stale:
                raise WebAuthnError(
                    "This security key was refused: its signature counter went backwards, which can mean the key "
                    "was copied. Use another method, and remove this key if you did not expect this.",
                    403,
                    "sign_count",
                ) from None
            raise
        if not credential.confirmed or not credential.user.is_active:
            raise WebAuthnError("This security key cannot be used to sign in.")
        if purpose == "second-step":
            login_complete(request=request, user=user, device=credential, method="webauthn")
            redirect_url = pending.next_url
        elif purpose == "passkey":
            login_complete(request=request, user=credential.user, device=credential, method="passkey")
            redirect_url = _next(request) or reverse(settings.LOGIN_REDIRECT_URL)
        else:
            services.reauthenticated(request=request, user=user, method="webauthn")
            redirect_url = _next(request) or reverse("mfa:manage")
        return JsonResponse({"id": credential.pk, "redirect_url": redirect_url})


# --- WebAuthn registration -----------------------------------------------------


class _RegistrationRules:
    def check_can_register(self):
        request = self.request
        if not user_has_verified_primary_email(request.user):
            raise WebAuthnError(str(services.EmailNotVerified()), code="email_not_verified")
        if not reauthentication_fresh(request):
            raise WebAuthnError("Confirm your password again: reload this page.", code="reauthentication_required")
        if not request.session.get(WEBAUTHN_PENDING_LABEL):
            raise WebAuthnError("Choose a label for the new key first.", 400, "label_required")


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
        messages.success(request, f"Security key “{credential.name}” added.")
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
                device = services.totp_device_confirm(request=request, user=user, key=key, code=form.cleaned_data["code"])
            except RateLimited as error:
                context.update(form=form, **_totp_display(user, key))
                return _too_many(request, "mfa/totp_provision.html", context, error)
            except TwoFactorError as error:
                form.add_error("code", str(error))
            else:
                request.session.pop(TOTP_PENDING_KEY, None)
                if not request.user.is_verified():
                    otp_login(request, device)
                messages.success(request, "Your authenticator app is set up. From now on, logging in asks for its code.")
                return redirect(_after_method_added(request, next_url))
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
        messages.error(request, "Enter your password to remove the authenticator app.")
        return redirect("mfa:manage")
    try:
        services.totp_device_remove(request=request, user=request.user, password=form.cleaned_data["password"])
    except RateLimited as error:
        messages.error(request, f"Too many attempts. Try again in {error.minutes} minute{'s' if error.minutes != 1 else ''}.")
    except TwoFactorError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Authenticator app removed.")
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
    context["webauthn_config"]["completeRegistrationUrl"] = _with_next(reverse("mfa:webauthn-register-complete"), next_url)
    return render(request, "mfa/webauthn_provision.html", context, status=status)


@reauthentication_required
def webauthn_remove(request, credential_id):
    credential = WebAuthnCredential.objects.filter(user=request.user, pk=credential_id).first()
    if credential is None:
        messages.error(request, "That security key is not on your account.")
        return redirect("mfa:webauthn-provision")
    form = WebAuthnRemoveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                label = services.webauthn_credential_remove(
                    request=request, user=request.user, credential_id=credential.pk, label_confirmation=form.cleaned_data["label"]
                )
            except TwoFactorError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Security key “{label}” removed.")
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
            messages.error(request, "Add an authenticator app or a security key before generating recovery codes.")
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
