from django.urls import path

from . import views
from .account_invitations import views as invitation_views
from .sessions import views as session_views

app_name = "accounts"

urlpatterns = [
    path("account/register/", views.register, name="register"),
    path("account/join/<str:token>/", invitation_views.invitation_accept, name="join"),
    path("account/login/", views.login, name="login"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/verify-email/", views.verify_email, name="verify-email"),
    path("account/reset-password/", views.password_reset, name="reset-password"),
    path(
        "account/reset-password/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="reset-password-confirm",
    ),
    path("manage/account/", views.manage, name="manage"),
    path("manage/account/password/", views.password_change, name="password-change"),
    path("manage/account/email/<int:email_id>/resend/", views.email_resend, name="email-resend"),
    path("manage/account/email/<int:email_id>/primary/", views.email_make_primary, name="email-primary"),
    path("manage/account/email/<int:email_id>/remove/", views.email_remove, name="email-remove"),
    path(
        "manage/account/sessions/<int:session_id>/sign-out/", session_views.session_sign_out, name="session-sign-out"
    ),
    path(
        "manage/account/sessions/sign-out-everywhere/",
        session_views.sessions_sign_out_everywhere,
        name="sessions-sign-out-everywhere",
    ),
    path(
        "manage/account/sessions/sign-out-others/",
        session_views.sessions_sign_out_others,
        name="sessions-sign-out-others",
    ),
]
