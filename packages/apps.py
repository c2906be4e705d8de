from django.apps import AppConfig


class PackagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "packages"

    def ready(self):
        # tokens may not know packages: hand it the projects a token's scope can name.
        from tokens.scopes import register_project_directory

        from . import selectors

        register_project_directory(selectors.token_project_directory)
