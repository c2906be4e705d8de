"""The WebAuthn relying party, derived from SITE_URL when each request is served.

Deriving it at request time (rather than once in settings) keeps the relying
party right when SITE_URL changes, as it does for a test server on another port.
"""

from urllib.parse import urlparse

from django.conf import settings
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from webauthn.helpers.structs import ResidentKeyRequirement


def rp_id(request=None):
    return urlparse(settings.SITE_URL).hostname


def allowed_origins():
    site = urlparse(settings.SITE_URL)
    return [f"{site.scheme}://{site.netloc}"]


class SiteWebAuthnHelper(WebAuthnHelper):
    def get_relying_party_domain(self):
        return rp_id(self.request)

    def get_relying_party_name(self):
        return settings.SITE_NAME

    def get_allowed_origins(self):
        return allowed_origins()

    def get_discoverable_credentials_preference(self):
        # Any FIDO2/U2F key may be a second factor; only discoverable ones
        # (passkeys) can also sign in without a password.
        return ResidentKeyRequirement.PREFERRED


def ceremony_config(request, *, purpose=None, next_selector="input[name='next']"):
    """The configuration that django-otp-webauthn's browser scripts read from the page.

    The scripts talk to this app's own endpoints, which apply the site's rules
    (second step, passkey sign-in, re-authentication, labelled registration).
    """
    from django.middleware import csrf
    from django.urls import reverse

    config = {
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": next_selector,
        "csrfToken": csrf.get_token(request),
        "beginRegistrationUrl": reverse("mfa:webauthn-register-begin"),
        "completeRegistrationUrl": reverse("mfa:webauthn-register-complete"),
    }
    if purpose:
        config["beginAuthenticationUrl"] = reverse("mfa:webauthn-auth-begin", kwargs={"purpose": purpose})
        config["completeAuthenticationUrl"] = reverse("mfa:webauthn-auth-complete", kwargs={"purpose": purpose})
    return config


class WebAuthnError(webauthn_errors.OTPWebAuthnApiError):
    """A refused ceremony, answered as JSON with `status` and a `detail` the page shows."""

    def __init__(self, detail, status=403, code="refused", wait=None):
        super().__init__(detail=detail, code=code)
        self.status_code = status
        self.wait = wait  # seconds; DRF answers it as Retry-After

    @classmethod
    def rate_limited(cls, error):
        return cls(error.message, 429, "rate_limited", wait=error.retry_after)
