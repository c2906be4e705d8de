"""The security-history tags of organisations: organisations made, approved, renamed or deleted, their
members, invitations and teams.

Each app owns the words of what it records; `apps.py` declares these to the
history when the app is ready, and `accounts.events.record_event` refuses a
tag that no app declared.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class EventTag(models.TextChoices):
    ORGANIZATION_CREATE = "organization:create", gettext_lazy("Organisation created")
    ORGANIZATION_APPROVE = "organization:approve", gettext_lazy("Organisation approved by staff")
    ORGANIZATION_DECLINE = "organization:decline", gettext_lazy("Organisation declined by staff")
    ORGANIZATION_SETTINGS_CHANGE = "organization:settings:change", gettext_lazy("Organisation details changed")
    ORGANIZATION_RENAME = "organization:rename", gettext_lazy("Organisation renamed")
    ORGANIZATION_DELETE = "organization:delete", gettext_lazy("Organisation deleted")
    ORGANIZATION_POLICY_CHANGE = "organization:policy:change", gettext_lazy("Organisation policy changed")
    ORGANIZATION_ROLE_INVITE = "organization:role:invite", gettext_lazy("Member invited")
    ORGANIZATION_ROLE_INVITE_ACCEPT = "organization:role:invite:accept", gettext_lazy("Invitation to the organisation accepted")
    ORGANIZATION_ROLE_INVITE_DECLINE = "organization:role:invite:decline", gettext_lazy("Invitation to the organisation declined")
    ORGANIZATION_ROLE_INVITE_REVOKE = "organization:role:invite:revoke", gettext_lazy("Invitation to the organisation revoked")
    ORGANIZATION_ROLE_ADD = "organization:role:add", gettext_lazy("Member added")
    ORGANIZATION_ROLE_CHANGE = "organization:role:change", gettext_lazy("Member's role changed")
    ORGANIZATION_ROLE_REMOVE = "organization:role:remove", gettext_lazy("Member removed")
    ORGANIZATION_TEAM_CREATE = "organization:team:create", gettext_lazy("Team created")
    ORGANIZATION_TEAM_RENAME = "organization:team:rename", gettext_lazy("Team renamed")
    ORGANIZATION_TEAM_DELETE = "organization:team:delete", gettext_lazy("Team deleted")
    ORGANIZATION_TEAM_MEMBER_ADD = "organization:team:member:add", gettext_lazy("Team member added")
    ORGANIZATION_TEAM_MEMBER_REMOVE = "organization:team:member:remove", gettext_lazy("Team member removed")
    ORGANIZATION_READING_CHANGE = "organization:reading:change", gettext_lazy("Organisation's reading settings changed")
