from django.contrib.admin.apps import AdminConfig


class TwoFactorAdminConfig(AdminConfig):
    """Django's admin, served by a site that requires a second factor from staff (mfa.admin)."""

    default_site = "mfa.admin.TwoFactorAdminSite"
