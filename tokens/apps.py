from django.apps import AppConfig


class TokensConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'tokens'

    def ready(self):
        from accounts.event_tags import declare_tags

        from .events import EventTag

        declare_tags(EventTag)  # the words of what this app records, for the security history

        from .publishing.issuers import check_settings

        check_settings()
