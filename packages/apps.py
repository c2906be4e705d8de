from django.apps import AppConfig


class PackagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "packages"

    def ready(self):
        from accounts.event_tags import declare_tags

        from .events import EventTag

        declare_tags(EventTag)  # the words of what this app records, for the security history

        # tokens may not know packages: hand it the projects a token's scope can name.
        from tokens.scopes import register_project_directory

        from . import selectors

        register_project_directory(selectors.token_project_directory)

        # Leaving an organisation ends one's own roles on its projects in the same transaction.
        from organizations.signals import member_removed

        from .organization_projects.services import member_projects_revoke

        member_removed.connect(member_projects_revoke, dispatch_uid="packages.member_projects_revoke")

        # Every change that can change what someone may read moves the access generation.
        from .reading import access

        access.connect()

        # Whether an organisation's members read all its projects changes who reads its private ones.
        from organizations.signals import reading_changed

        from .organization_projects.services import organization_reading_changed

        reading_changed.connect(organization_reading_changed, dispatch_uid="packages.organization_reading_changed")
