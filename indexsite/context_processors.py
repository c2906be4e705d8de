from django.conf import settings


def site(request):
    """Expose the site's name and absolute URL, whether anyone may register, and the Owner roles templates
    compare against (a project's and an organisation's), to every template."""
    from organizations.models import OrganizationRole
    from packages.models import ProjectRole

    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "REGISTRATION_OPEN": settings.REGISTRATION_OPEN,
        "PROJECT_OWNER": ProjectRole.Role.OWNER,
        "ORGANIZATION_OWNER": OrganizationRole.Role.OWNER,
    }
