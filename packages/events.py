"""The security-history tags of projects: projects, releases and files, collaborators, organisations'
projects and teams' roles on them, names, the upstream index and who may read a project.

Each app owns the words of what it records; `apps.py` declares these to the
history when the app is ready, and `accounts.events.record_event` refuses a
tag that no app declared.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class EventTag(models.TextChoices):
    PROJECT_CREATE = "project:create", gettext_lazy("Project created")
    PROJECT_ROLE_INVITE = "project:role:invite", gettext_lazy("Collaborator invited")
    PROJECT_ROLE_INVITE_ACCEPT = "project:role:invite:accept", gettext_lazy("Invitation accepted")
    PROJECT_ROLE_INVITE_DECLINE = "project:role:invite:decline", gettext_lazy("Invitation declined")
    PROJECT_ROLE_INVITE_REVOKE = "project:role:invite:revoke", gettext_lazy("Invitation revoked")
    PROJECT_ROLE_ADD = "project:role:add", gettext_lazy("Collaborator added")
    PROJECT_ROLE_REMOVE = "project:role:remove", gettext_lazy("Collaborator removed")
    PROJECT_ROLE_CHANGE = "project:role:change", gettext_lazy("Collaborator role changed")
    PROJECT_RELEASE_ADD = "project:release:add", gettext_lazy("Release added")
    PROJECT_RELEASE_YANK = "project:release:yank", gettext_lazy("Release yanked")
    PROJECT_RELEASE_UNYANK = "project:release:unyank", gettext_lazy("Release un-yanked")
    PROJECT_RELEASE_REMOVE = "project:release:remove", gettext_lazy("Release removed")
    PROJECT_REMOVE = "project:remove", gettext_lazy("Project removed")
    PROJECT_ARCHIVE = "project:archive", gettext_lazy("Project archived")
    PROJECT_UNARCHIVE = "project:unarchive", gettext_lazy("Project unarchived")
    PROJECT_QUARANTINE_ENTER = "project:quarantine:enter", gettext_lazy("Project quarantined")
    PROJECT_QUARANTINE_EXIT = "project:quarantine:exit", gettext_lazy("Project released from quarantine")
    PROJECT_LIMITS_CHANGE = "project:limits:change", gettext_lazy("Project size limits changed")
    PROJECT_NAME_PROHIBIT = "project:name:prohibit", gettext_lazy("Project name prohibited by staff")
    PROJECT_NAME_PROHIBIT_CHANGE = "project:name:prohibit:change", gettext_lazy("Prohibited project name changed by staff")
    PROJECT_NAME_PROHIBIT_REMOVE = "project:name:prohibit:remove", gettext_lazy("Project name allowed again by staff")
    FILE_ADD = "file:add", gettext_lazy("File uploaded")
    FILE_REMOVE = "file:remove", gettext_lazy("File removed")
    ORGANIZATION_TEAM_ROLE_PROJECT = "organization:team:role:project", gettext_lazy("Team given a role on a project")
    ORGANIZATION_TEAM_ROLE_PROJECT_REMOVE = "organization:team:role:project:remove", gettext_lazy("Team's role on a project removed")
    ORGANIZATION_PROJECT_ADD = "organization:project:add", gettext_lazy("Project added to the organisation")
    ORGANIZATION_PROJECT_REMOVE = "organization:project:remove", gettext_lazy("Project moved out of the organisation")
    ORGANIZATION_RESERVATION_ADD = "organization:reservation:add", gettext_lazy("Name reserved for the organisation")
    ORGANIZATION_RESERVATION_REMOVE = "organization:reservation:remove", gettext_lazy("Name reservation removed")
    PROJECT_UPSTREAM_BLOCK = "project:upstream:block", gettext_lazy("Upstream project or version blocked by staff")
    PROJECT_UPSTREAM_UNBLOCK = "project:upstream:unblock", gettext_lazy("Upstream block lifted by staff")
    PROJECT_UPSTREAM_TRACK = "project:upstream:track", gettext_lazy("Upstream files of the same name served or not")
    PROJECT_VISIBILITY_CHANGE = "project:visibility:change", gettext_lazy("Project visibility changed")
    # provenance (PEP 740 attestations, and the policy that requires them)
    FILE_PROVENANCE_ADD = "file:provenance:add", gettext_lazy("Attestation verified for an uploaded file")
    FILE_PROVENANCE_REFUSED = "file:provenance:refused", gettext_lazy("Upload refused for its attestations or the provenance policy")
    PROJECT_PROVENANCE_POLICY_CHANGE = "project:provenance:policy", gettext_lazy("Provenance policy changed")
