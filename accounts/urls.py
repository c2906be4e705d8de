from django.urls import path

from . import views
from .account_invitations import views as invitation_views

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
]
