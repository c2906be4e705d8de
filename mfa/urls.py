from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import views

app_name = "mfa"

urlpatterns = [
    path("account/two-factor/", views.second_step, name="second-step"),
    path(
        "account/two-factor/webauthn/<slug:purpose>/begin/",
        views.WebAuthnAuthenticationBegin.as_view(),
        name="webauthn-auth-begin",
    ),
    path(
        "account/two-factor/webauthn/<slug:purpose>/complete/",
        views.WebAuthnAuthenticationComplete.as_view(),
        name="webauthn-auth-complete",
    ),
    # The translations django-otp-webauthn's browser scripts call through gettext().
    path(
        "account/two-factor/jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="jsi18n",
    ),
    path("manage/account/two-factor/", views.manage, name="manage"),
    path("manage/account/totp-provision/", views.totp_provision, name="totp-provision"),
    path("manage/account/totp-provision/remove/", views.totp_remove, name="totp-remove"),
    path("manage/account/webauthn-provision/", views.webauthn_provision, name="webauthn-provision"),
    path(
        "manage/account/webauthn-provision/begin/",
        views.WebAuthnRegistrationBegin.as_view(),
        name="webauthn-register-begin",
    ),
    path(
        "manage/account/webauthn-provision/complete/",
        views.WebAuthnRegistrationComplete.as_view(),
        name="webauthn-register-complete",
    ),
    path(
        "manage/account/webauthn-provision/<int:credential_id>/remove/",
        views.webauthn_remove,
        name="webauthn-remove",
    ),
    path("manage/account/recovery-codes/", views.recovery_codes, name="recovery-codes"),
]
