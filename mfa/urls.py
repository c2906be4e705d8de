from django.urls import path
from django.views.i18n import JavaScriptCatalog

from .views import login, manage

app_name = "mfa"

urlpatterns = [
    path("account/two-factor/", login.second_step, name="second-step"),
    path("account/new-device/", login.new_device_sent, name="new-device-sent"),
    path("account/new-device/confirm/", login.new_device_confirm, name="new-device-confirm"),
    path("account/new-device/link/<str:token>/", login.new_device_link, name="new-device-link"),
    path(
        "account/two-factor/webauthn/<slug:purpose>/begin/",
        login.WebAuthnAuthenticationBegin.as_view(),
        name="webauthn-auth-begin",
    ),
    path(
        "account/two-factor/webauthn/<slug:purpose>/complete/",
        login.WebAuthnAuthenticationComplete.as_view(),
        name="webauthn-auth-complete",
    ),
    # The translations django-otp-webauthn's browser scripts call through gettext().
    path(
        "account/two-factor/jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="jsi18n",
    ),
    path("manage/account/two-factor/", manage.manage, name="manage"),
    path("manage/account/totp-provision/", manage.totp_provision, name="totp-provision"),
    path("manage/account/totp-provision/remove/", manage.totp_remove, name="totp-remove"),
    path("manage/account/webauthn-provision/", manage.webauthn_provision, name="webauthn-provision"),
    path(
        "manage/account/webauthn-provision/begin/",
        manage.WebAuthnRegistrationBegin.as_view(),
        name="webauthn-register-begin",
    ),
    path(
        "manage/account/webauthn-provision/complete/",
        manage.WebAuthnRegistrationComplete.as_view(),
        name="webauthn-register-complete",
    ),
    path(
        "manage/account/webauthn-provision/<int:credential_id>/remove/",
        manage.webauthn_remove,
        name="webauthn-remove",
    ),
    path("manage/account/recovery-codes/", manage.recovery_codes, name="recovery-codes"),
]
