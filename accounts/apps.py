from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from .event_tags import EventTag, declare_tags

        declare_tags(EventTag)

        from . import signals  # noqa: F401
        from .ratelimit import checks  # noqa: F401
