"""The security-history tags of API tokens and trusted publishing: personal, project and organisation
tokens made, rotated, revoked or refused, and trusted publishers and their exchanges.

Each app owns the words of what it records; `apps.py` declares these to the
history when the app is ready, and `accounts.events.record_event` refuses a
tag that no app declared.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class EventTag(models.TextChoices):
    ACCOUNT_API_TOKEN_ADDED = "account:api_token:added", gettext_lazy("API token created")
    ACCOUNT_API_TOKEN_REMOVED = "account:api_token:removed", gettext_lazy("API token revoked")
    ACCOUNT_API_TOKEN_ROTATED = "account:api_token:rotated", gettext_lazy("API token rotated")
    ACCOUNT_API_TOKEN_REMOVED_LEAK = "account:api_token:removed_leak", gettext_lazy("API token revoked after a leak")
    ACCOUNT_API_TOKEN_EXPIRED_USE = "account:api_token:expired_use", gettext_lazy("Expired API token refused")
    ACCOUNT_OIDC_PENDING_PUBLISHER_ADDED = "account:oidc:pending-publisher-added", gettext_lazy("Pending trusted publisher added")
    ACCOUNT_OIDC_PENDING_PUBLISHER_REMOVED = (
        "account:oidc:pending-publisher-removed",
        gettext_lazy("Pending trusted publisher removed"),
    )
    PROJECT_OIDC_TOKEN_MINTED = "project:oidc:token-minted", gettext_lazy("Trusted publisher exchanged a CI token for an upload token")
    PROJECT_OIDC_TOKEN_REFUSED = "project:oidc:token-refused", gettext_lazy("Trusted publishing token exchange refused")
    ACCOUNT_API_TOKEN_INVALID_USE = "account:api_token:invalid_use", gettext_lazy("Invalid API token refused")
    PROJECT_API_TOKEN_ADDED = "project:api_token:added", gettext_lazy("API token scoped to the project")
    PROJECT_API_TOKEN_REMOVED = "project:api_token:removed", gettext_lazy("API token scoped to the project revoked")
    PROJECT_OIDC_PUBLISHER_ADDED = "project:oidc:publisher-added", gettext_lazy("Trusted publisher added")
    PROJECT_OIDC_PUBLISHER_REMOVED = "project:oidc:publisher-removed", gettext_lazy("Trusted publisher removed")
    PROJECT_OIDC_PUBLISHER_OWNER_PINNED = (
        "project:oidc:publisher-owner-pinned",
        gettext_lazy("Trusted publisher's GitHub owner ID pinned from its first token"),
    )
    ORGANIZATION_API_TOKEN_ADDED = "organization:api_token:added", gettext_lazy("Organisation API token created")
    ORGANIZATION_API_TOKEN_REMOVED = "organization:api_token:removed", gettext_lazy("Organisation API token revoked")
    ORGANIZATION_API_TOKEN_ROTATED = "organization:api_token:rotated", gettext_lazy("Organisation API token rotated")
    ORGANIZATION_API_TOKEN_USED = "organization:api_token:used", gettext_lazy("Organisation API token used")
