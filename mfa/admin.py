"""The admin site requires staff to have passed a second factor (django-otp's admin site).

Signing in happens on the site's own login pages, so the admin gets every
second factor (authenticator app, security key, recovery code) and the
mandatory-2FA policy rather than a login form of its own.
"""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django.utils.translation import gettext, ngettext

from accounts.navigation import next_url as safe_next_url

from .decorators import TWO_FACTOR_REQUIRED_MESSAGE, two_factor_setup_url
from .login import half_login_start
from .models import RecoveryCodeDevice
from .selectors import user_has_two_factor
from .services import staff_device_remove, two_factor_reset


class TwoFactorAdminSite(OTPAdminSite):
    def __init__(self, name="admin"):
        super().__init__(name)

    def login(self, request, extra_context=None):
        next_url = safe_next_url(request, request.GET.get("next")) or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
        if user.is_active and user.is_staff:
            if not user_has_two_factor(user):
                messages.warning(request, TWO_FACTOR_REQUIRED_MESSAGE)
                return redirect(two_factor_setup_url(next_url))
            if not user.is_verified():
                # Signed in before 2FA was added elsewhere: ask for the second factor now.
                half_login_start(request, user, next_url)
                return redirect("mfa:second-step")
        return super().login(request, extra_context)


class _SecretFreeDeviceAdmin(admin.ModelAdmin):
    """Staff may see and delete a user's devices, never their secrets."""

    list_display = ["user", "name", "confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        staff_device_remove(request=request, device=obj)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            staff_device_remove(request=request, device=device)


def _reset_two_factor(modeladmin, request, queryset):
    for user in queryset:
        two_factor_reset(request=request, user=user)
    modeladmin.message_user(
        request, ngettext(
            "Reset two-factor authentication of %(count)d user; they must set it up again.",
            "Reset two-factor authentication of %(count)d users; they must set them up again.",
            len(queryset),
        )
        % {"count": len(queryset)}
    )


_reset_two_factor.short_description = "Reset two-factor authentication of the selected users"
_reset_two_factor.allowed_permissions = ("change",)


def replace_device_admins():
    """django-otp's own admin shows TOTP secrets and static tokens: replace it.

    Called from MfaConfig.ready(), after every app's admin module has registered.
    """
    for model in (TOTPDevice, StaticDevice, RecoveryCodeDevice, WebAuthnCredential):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
    # The accounts admin gets the staff action that resets a user's second factors.
    from accounts.admin import UserAdmin

    UserAdmin.actions = [*UserAdmin.actions, _reset_two_factor]
    admin.site.register(TOTPDevice, _SecretFreeDeviceAdmin)
    admin.site.register(RecoveryCodeDevice, _SecretFreeDeviceAdmin)
    admin.site.register(WebAuthnCredential, _SecretFreeDeviceAdmin)
