"""The security-history tags of two-factor authentication: second factors added, removed, used or
refused, recovery codes, re-authentication and sign-ins from a new browser.

Each app owns the words of what it records; `apps.py` declares these to the
history when the app is ready, and `accounts.events.record_event` refuses a
tag that no app declared.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class EventTag(models.TextChoices):
    ACCOUNT_TWO_FACTOR_METHOD_ADDED = "account:two_factor:method_added", gettext_lazy("Two-factor method added")
    ACCOUNT_TWO_FACTOR_METHOD_REMOVED = "account:two_factor:method_removed", gettext_lazy("Two-factor method removed")
    ACCOUNT_TWO_FACTOR_FAILURE = "account:two_factor:failure", gettext_lazy("Failed two-factor attempt")
    ACCOUNT_TWO_FACTOR_RESET = "account:two_factor:reset", gettext_lazy("Two-factor reset by staff")
    ACCOUNT_RECOVERY_CODES_GENERATED = "account:recovery_codes:generated", gettext_lazy("Recovery codes generated")
    ACCOUNT_RECOVERY_CODES_REGENERATED = "account:recovery_codes:regenerated", gettext_lazy("Recovery codes regenerated")
    ACCOUNT_RECOVERY_CODES_USED = "account:recovery_codes:used", gettext_lazy("Recovery code used")
    ACCOUNT_REAUTHENTICATE = "account:reauthenticate", gettext_lazy("Re-authenticated")
    ACCOUNT_NEW_DEVICE_SIGN_IN = "account:new_device:sign_in", gettext_lazy("Signed in from a new browser")
    ACCOUNT_NEW_DEVICE_CONFIRMATION_SENT = (
        "account:new_device:confirmation_sent",
        gettext_lazy("Sign-in from a new browser held: confirmation link mailed"),
    )
    ACCOUNT_NEW_DEVICE_CONFIRMED = "account:new_device:confirmed", gettext_lazy("Sign-in from a new browser confirmed")
    ACCOUNT_NEW_DEVICE_REFUSED = "account:new_device:refused", gettext_lazy("Sign-in confirmation link refused")
