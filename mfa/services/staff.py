"""Staff removing a user's second factors (the admin), each recorded with the staff member and mailed."""

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django.utils.translation import gettext

from accounts.events import record_event
from accounts.services import notify_on_commit
from accounts.sessions.services import sessions_end

from ..events import EventTag
from ..models import RecoveryCodeDevice
from ._common import lock_user

@transaction.atomic
def two_factor_reset(*, request, user):
    """Staff: remove every second factor of `user` (who must then set one up again)."""
    lock_user(user)
    TOTPDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    record_event(
        tag=EventTag.ACCOUNT_TWO_FACTOR_RESET, request=request, user=user, details={"staff": request.user.username}
    )
    sessions_end(request=request, user=user, reason="two_factor_reset")
    notify_on_commit(
        user=user,
        subject=gettext("Two-factor authentication reset"),
        what=gettext("The site's staff removed every two-factor method from your account."),
        detail=gettext("Set up two-factor authentication again after you sign in: uploads and management need it."),
    )


def staff_device_remove(*, request, device):
    """Staff: delete one second-factor device of a user (admin), recorded with the staff member and mailed."""
    if isinstance(device, TOTPDevice):
        method = "totp"
    elif isinstance(device, WebAuthnCredential):
        method = "webauthn"
    else:
        method = "recovery_codes"
    with transaction.atomic():
        user = lock_user(device.user)
        label = device.name
        device.delete()
        record_event(
            tag=EventTag.ACCOUNT_TWO_FACTOR_METHOD_REMOVED,
            request=request,
            user=user,
            details={"method": method, "label": label, "staff": request.user.username},
        )
        sessions_end(request=request, user=user, reason="two_factor_method_removed")
        notify_on_commit(
            user=user,
            subject=gettext("Two-factor method removed by staff"),
            what=gettext("The site's staff removed a two-factor method from your account: %(label)s.")
            % {"label": label},
        )
