"""Recovery codes: a set of 8, shown once, each spent once."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.events import record_event
from accounts.services import notify_on_commit

from ..events import EventTag
from ..models import RECOVERY_CODE_COUNT, RecoveryCode, RecoveryCodeDevice, new_recovery_code, recovery_code_hash
from ._common import lock_user, mail_on_commit, require_verified_email
from .attempts import attempt_succeeded, check_attempts, refuse

def recovery_codes_generate(*, request, user):
    """Make a new set of 8 codes, replacing any earlier set. Returns the codes: show them once."""
    require_verified_email(user)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        lock_user(user)
        regenerated = RecoveryCodeDevice.objects.filter(user=user).delete()[0] > 0
        device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=recovery_code_hash(c)) for c in codes)
        tag = EventTag.ACCOUNT_RECOVERY_CODES_REGENERATED if regenerated else EventTag.ACCOUNT_RECOVERY_CODES_GENERATED
        record_event(tag=tag, request=request, user=user, details={"count": len(codes)})
        if regenerated:
            mail_on_commit(user, "recovery_codes_regenerated")
    return codes


def recovery_code_verify(*, request, user, code):
    """Spend one recovery code of `user`. Returns (device, remaining)."""
    check_attempts(request=request, user=user, method="recovery_code")
    used = False
    with transaction.atomic():
        device = RecoveryCodeDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        row = device and device.code_matching(code)
        if row is not None and row.used_at is None:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            remaining = device.unused_codes().count()
            record_event(
                tag=EventTag.ACCOUNT_RECOVERY_CODES_USED, request=request, user=user, details={"remaining": remaining}
            )
            attempt_succeeded(user, request=request)
            notify_on_commit(
                user=user,
                subject=gettext("Recovery code used"),
                what=ngettext(
                    "A recovery code was used to sign in to your account. %(remaining)d unused code remains.",
                    "A recovery code was used to sign in to your account. %(remaining)d unused codes remain.",
                    remaining,
                )
                % {"remaining": remaining},
                detail=gettext("Generate a new set from your account's two-factor page when few remain."),
            )
            return device, remaining
        used = row is not None
    if used:
        refuse(
            request=request,
            user=user,
            method="recovery_code",
            reason="used",
            message="This recovery code has already been used.",
        )
    refuse(
        request=request,
        user=user,
        method="recovery_code",
        reason="invalid",
        message="That recovery code is not valid.",
    )
