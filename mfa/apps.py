from django.apps import AppConfig


class MfaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mfa"
    verbose_name = "Two-factor authentication"

    def ready(self):
        from accounts.event_tags import declare_tags

        from .events import EventTag

        declare_tags(EventTag)  # the words of what this app records, for the security history

        from .admin import replace_device_admins

        replace_device_admins()
