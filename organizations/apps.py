from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organizations"

    def ready(self):
        from accounts.event_tags import declare_tags

        from .events import EventTag

        declare_tags(EventTag)  # the words of what this app records, for the security history
