"""The login side: the second step of signing in, and the WebAuthn ceremonies that authenticate."""

from django.utils.translation import gettext, ngettext
from logging import getLogger

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BaseWebAuthnView,
)
from webauthn import base64url_to_bytes

from accounts.navigation import next_url as _next
from accounts.ratelimit import RateLimited, rate_limited_response

from .. import selectors, services
from ..errors import TwoFactorError
from ..forms import RecoveryCodeForm, TOTPCodeForm
from .. import new_device
from ..login import half_login, half_login_expire
from ..webauthn import WebAuthnError, ceremony_config

logger = getLogger(__name__)

WEBAUTHN_AUTH_STATE = "mfa_webauthn_auth_state"


# --- second step of login ----------------------------------------------------


@never_cache
def second_step(request):
    pending = half_login(request)
    if pending is None:
        messages.info(request, gettext("Log in with your username and password first."))
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
                    return _finish(request, pending, device, "totp")
            elif method == "recovery_code":
                recovery_form = RecoveryCodeForm(request.POST, prefix="recovery")
                if recovery_form.is_valid():
                    device, remaining = services.recovery_code_verify(
                        request=request, user=user, code=recovery_form.cleaned_data["recovery_code"]
                    )
                    left = ngettext(
                        "You signed in with a recovery code. You have %(remaining)d recovery code left.",
                        "You signed in with a recovery code. You have %(remaining)d recovery codes left.",
                        remaining,
                    ) % {"remaining": remaining}
                    if remaining <= 2:
                        left += " " + gettext("Generate a new set soon.")
                    messages.warning(request, left)
                    return _finish(request, pending, device, "recovery_code")
        except RateLimited as error:
            context.update(totp_form=totp_form, recovery_form=recovery_form)
            return rate_limited_response(request, "mfa/second_step.html", context, error)
        except TwoFactorError as error:
            form = totp_form if method == "totp" else recovery_form
            form.add_error(None, str(error))
        status = 400
    context.update(totp_form=totp_form, recovery_form=recovery_form)
    return render(request, "mfa/second_step.html", context, status=status)


def _finish(request, pending, device, method):
    """The second factor passed: sign in now, or (a browser new to the account) wait for the mailed link."""
    if new_device.needs_confirmation(request, pending.user, method):
        new_device.confirmation_send(
            request=request, user=pending.user, device=device, method=method, next_url=pending.next_url
        )
        return redirect("mfa:new-device-sent")
    return new_device.sign_in(request, redirect(pending.next_url), user=pending.user, device=device, method=method)


@never_cache
def new_device_sent(request):
    if not isinstance(request.session.get(new_device.SESSION_PENDING), dict):
        return redirect("accounts:login")
    minutes = new_device.CONFIRMATION_MAX_AGE // 60
    return render(request, "mfa/new_device_sent.html", {"minutes": minutes})


@never_cache
def new_device_link(request, token):
    """The mailed link: its token goes into the session and leaves the address bar (and so the
    Referer and the logs of a refused request), as Django's password-reset links do."""
    request.session[new_device.SESSION_LINK] = token
    return redirect("mfa:new-device-confirm")


@never_cache
def new_device_confirm(request):
    """A page with one button (so a mail scanner's GET spends nothing), then the sign-in."""
    if request.method != "POST":
        return render(request, "mfa/new_device_confirm.html")
    token = request.session.pop(new_device.SESSION_LINK, "")
    try:
        user, device, method, next_url = new_device.confirmation_claim(request=request, token=token)
    except TwoFactorError as error:
        return render(request, "mfa/new_device_confirm.html", {"error": str(error)}, status=400)
    messages.success(request, gettext("This browser is confirmed. You are signed in."))
    return new_device.sign_in(request, redirect(next_url), user=user, device=device, method=method)


# --- WebAuthn authentication: second step, passkey sign-in, re-authentication --

PURPOSES = ("second-step", "passkey", "reauthenticate")


def _ceremony_user(request, purpose):
    """(user or None, require_user_verification, pending half-login) for a ceremony."""
    if purpose == "second-step":
        pending = half_login(request)
        if pending is None:
            raise WebAuthnError(gettext("Log in with your username and password first."), code="not_authenticated")
        if pending.expired:
            half_login_expire(request, pending)
            raise WebAuthnError(
                gettext("Your sign-in expired after 5 minutes without a second factor. Log in again."), code="expired"
            )
        return pending.user, False, pending
    if purpose == "passkey":
        # Signing in with the passkey alone: the authenticator must verify the user (PIN, biometrics).
        return None, True, None
    if not request.user.is_authenticated:
        raise WebAuthnError(gettext("Log in first."), code="not_authenticated")
    return request.user, False, None


def _credential_owner(data):
    try:
        raw = base64url_to_bytes(data.get("rawId") or data.get("id") or "")
        return WebAuthnCredential.get_by_credential_id(raw).user
    except Exception:  # noqa: BLE001 - unknown or malformed credential: no owner to record
        return None


class RetryAfterMixin:
    """A rate-limited ceremony answers with Retry-After, as every other limit does."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(int(exc.wait))
        return response


@method_decorator(never_cache, name="dispatch")
class WebAuthnAuthenticationBegin(RetryAfterMixin, BaseWebAuthnView):
    http_method_names = ["post"]

    def post(self, request, purpose):
        if purpose not in PURPOSES:
            raise WebAuthnError(gettext("Unknown ceremony."), 404, "not_found")
        user, require_uv, _ = _ceremony_user(request, purpose)
        if user is not None and services.two_factor_attempts_exhausted(user):
            # Refuse early: the count itself happens when the answer is evaluated.
            try:
                services.check_attempts(request=request, user=user, method="webauthn")
            except RateLimited as error:
                raise WebAuthnError.rate_limited(error) from None
        helper = WebAuthnCredential.get_webauthn_helper(request=request)
        data, state = helper.authenticate_begin(user=user, require_user_verification=require_uv)
        request.session[WEBAUTHN_AUTH_STATE] = {
            "purpose": purpose,
            "user_id": user.pk if user else None,
            "state": state,
        }
        return JsonResponse(data)


@method_decorator(never_cache, name="dispatch")
class WebAuthnAuthenticationComplete(RetryAfterMixin, BaseWebAuthnView):
    http_method_names = ["post"]

    def post(self, request, purpose):
        saved = request.session.pop(WEBAUTHN_AUTH_STATE, None)
        request.session.save()  # a challenge is never usable twice, even if this request fails
        user, _, pending = _ceremony_user(request, purpose)
        if not saved or saved.get("purpose") != purpose or saved.get("user_id") != (user.pk if user else None):
            raise webauthn_errors.InvalidState()
        try:
            # Counted before the answer is evaluated, per IP and per user (for
            # a passkey, the user whose credential the answer names).
            services.webauthn_attempt(request=request, user=user or _credential_owner(request.data))
        except RateLimited as error:
            raise WebAuthnError.rate_limited(error) from None
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
                    gettext(
                        "This security key was refused: its signature counter went backwards, which can mean the key "
                        "was copied. Use another method, and remove this key if you did not expect this."
                    ),
                    403,
                    "sign_count",
                ) from None
            raise
        if not credential.confirmed or not credential.user.is_active:
            raise WebAuthnError(gettext("This security key cannot be used to sign in."))
        services.attempt_succeeded(credential.user, request=request)
        if purpose == "second-step":
            response = JsonResponse({"id": credential.pk, "redirect_url": pending.next_url})
            return new_device.sign_in(request, response, user=user, device=credential, method="webauthn")
        if purpose == "passkey":
            redirect_url = _next(request) or reverse(settings.LOGIN_REDIRECT_URL)
            response = JsonResponse({"id": credential.pk, "redirect_url": redirect_url})
            return new_device.sign_in(request, response, user=credential.user, device=credential, method="passkey")
        services.reauthenticated(request=request, user=user, method="webauthn")
        return JsonResponse({"id": credential.pk, "redirect_url": _next(request) or reverse("mfa:manage")})
