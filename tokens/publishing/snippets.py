"""The CI configuration that publishes through a publisher, ready to copy (templates/tokens/publishing/snippets/)."""

from django.conf import settings
from django.template.loader import render_to_string

from .issuers import audience
from .kinds import kind_of


def workflow_snippet(publisher):
    """The workflow file (GitHub Actions), job (GitLab CI) or steps (another issuer) for `publisher`, as text."""
    context = {
        "publisher": publisher,
        "upload_url": f"{settings.SITE_URL}/legacy/",
        "mint_url": f"{settings.SITE_URL}/_/oidc/mint-token",
        "audience": audience(),
        "site_name": settings.SITE_NAME,
        "label": kind_of(publisher).label,
    }
    return render_to_string(f"tokens/publishing/snippets/{publisher.kind}.txt", context).strip() + "\n"
