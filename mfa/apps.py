from django.apps import AppConfig


class MfaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mfa"
    verbose_name = "Two-factor authentication"

    def ready(self):
        from .admin import replace_device_admins

        replace_device_admins()
