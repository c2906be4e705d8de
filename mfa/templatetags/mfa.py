"""Template tags with which other apps' pages show two-factor features."""

from django import template

from .. import selectors
from ..webauthn import ceremony_config

register = template.Library()


@register.inclusion_tag("mfa/passkey_signin.html", takes_context=True)
def passkey_signin(context):
    """A "sign in with a passkey" button for the login page (no username or password)."""
    return {"webauthn_config": ceremony_config(context["request"], purpose="passkey")}


@register.inclusion_tag("mfa/account_section.html", takes_context=True)
def two_factor_summary(context):
    user = context["request"].user
    return {
        "has_two_factor": selectors.user_has_two_factor(user),
        "method_count": selectors.user_two_factor_method_count(user),
        "recovery_remaining": selectors.user_recovery_codes_remaining(user),
    }
