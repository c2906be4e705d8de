"""The security history: one list of event tags and one function that records them.

Every app records its sensitive actions through `record_event`, inside the
same transaction as the change it records.
"""

from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy

# Keys that must never appear in an event's details: an event is shown to the
# user and to staff, and a secret there would outlive its rotation.
_SECRET_KEYS = ("password", "secret", "token", "otp", "code", "key", "signature")


class EventTag(models.TextChoices):
    # accounts
    ACCOUNT_CREATE = "account:create", gettext_lazy("Account created")
    ACCOUNT_LOGIN_SUCCESS = "account:login:success", gettext_lazy("Logged in")
    ACCOUNT_LOGIN_FAILURE = "account:login:failure", gettext_lazy("Failed login")
    ACCOUNT_LOGOUT = "account:logout", gettext_lazy("Logged out")
    ACCOUNT_PASSWORD_CHANGE = "account:password:change", gettext_lazy("Password changed")
    ACCOUNT_PASSWORD_RESET_REQUEST = "account:password:reset:request", gettext_lazy("Password reset requested")
    ACCOUNT_PASSWORD_RESET = "account:password:reset", gettext_lazy("Password reset")
    ACCOUNT_EMAIL_ADD = "account:email:add", gettext_lazy("Email address added")
    ACCOUNT_EMAIL_REMOVE = "account:email:remove", gettext_lazy("Email address removed")
    ACCOUNT_EMAIL_VERIFIED = "account:email:verified", gettext_lazy("Email address verified")
    ACCOUNT_EMAIL_PRIMARY_CHANGE = "account:email:primary:change", gettext_lazy("Primary email changed")
    ACCOUNT_FROZEN = "account:frozen", gettext_lazy("Account frozen by staff")
    ACCOUNT_UNFROZEN = "account:unfrozen", gettext_lazy("Account unfrozen by staff")
    ACCOUNT_RATE_LIMITED = "account:rate_limited", gettext_lazy("Refused: too many attempts")
    ACCOUNT_STAFF_CHANGE = "account:staff:change", gettext_lazy("Account changed by staff")
    # accounts: sessions (accounts/sessions/)
    ACCOUNT_SESSION_END = "account:session:end", gettext_lazy("Session signed out")
    ACCOUNT_SESSIONS_END = "account:session:end_others", gettext_lazy("Other sessions signed out")
    ACCOUNT_SESSION_EXPIRED = "account:session:expired", gettext_lazy("Session expired")
    # mfa
    ACCOUNT_TWO_FACTOR_METHOD_ADDED = "account:two_factor:method_added", gettext_lazy("Two-factor method added")
    ACCOUNT_TWO_FACTOR_METHOD_REMOVED = "account:two_factor:method_removed", gettext_lazy("Two-factor method removed")
    ACCOUNT_TWO_FACTOR_FAILURE = "account:two_factor:failure", gettext_lazy("Failed two-factor attempt")
    ACCOUNT_TWO_FACTOR_RESET = "account:two_factor:reset", gettext_lazy("Two-factor reset by staff")
    ACCOUNT_RECOVERY_CODES_GENERATED = "account:recovery_codes:generated", gettext_lazy("Recovery codes generated")
    ACCOUNT_RECOVERY_CODES_REGENERATED = "account:recovery_codes:regenerated", gettext_lazy("Recovery codes regenerated")
    ACCOUNT_RECOVERY_CODES_USED = "account:recovery_codes:used", gettext_lazy("Recovery code used")
    ACCOUNT_REAUTHENTICATE = "account:reauthenticate", gettext_lazy("Re-authenticated")
    # mfa: new-device sign-in (mfa/new_device.py)
    ACCOUNT_NEW_DEVICE_SIGN_IN = "account:new_device:sign_in", gettext_lazy("Signed in from a new browser")
    ACCOUNT_NEW_DEVICE_CONFIRMATION_SENT = (
        "account:new_device:confirmation_sent",
        gettext_lazy("Sign-in from a new browser held: confirmation link mailed"),
    )
    ACCOUNT_NEW_DEVICE_CONFIRMED = "account:new_device:confirmed", gettext_lazy("Sign-in from a new browser confirmed")
    ACCOUNT_NEW_DEVICE_REFUSED = "account:new_device:refused", gettext_lazy("Sign-in confirmation link refused")
    # tokens
    ACCOUNT_API_TOKEN_ADDED = "account:api_token:added", gettext_lazy("API token created")
    ACCOUNT_API_TOKEN_REMOVED = "account:api_token:removed", gettext_lazy("API token revoked")
    ACCOUNT_API_TOKEN_ROTATED = "account:api_token:rotated", gettext_lazy("API token rotated")
    ACCOUNT_API_TOKEN_REMOVED_LEAK = "account:api_token:removed_leak", gettext_lazy("API token revoked after a leak")
    ACCOUNT_API_TOKEN_EXPIRED_USE = "account:api_token:expired_use", gettext_lazy("Expired API token refused")
    # tokens: trusted publishing
    ACCOUNT_OIDC_PENDING_PUBLISHER_ADDED = "account:oidc:pending-publisher-added", gettext_lazy("Pending trusted publisher added")
    ACCOUNT_OIDC_PENDING_PUBLISHER_REMOVED = (
        "account:oidc:pending-publisher-removed",
        gettext_lazy("Pending trusted publisher removed"),
    )
    PROJECT_OIDC_TOKEN_MINTED = "project:oidc:token-minted", gettext_lazy("Trusted publisher exchanged a CI token for an upload token")
    PROJECT_OIDC_TOKEN_REFUSED = "project:oidc:token-refused", gettext_lazy("Trusted publishing token exchange refused")
    ACCOUNT_API_TOKEN_INVALID_USE = "account:api_token:invalid_use", gettext_lazy("Invalid API token refused")
    # packages
    PROJECT_CREATE = "project:create", gettext_lazy("Project created")
    PROJECT_API_TOKEN_ADDED = "project:api_token:added", gettext_lazy("API token scoped to the project")
    PROJECT_API_TOKEN_REMOVED = "project:api_token:removed", gettext_lazy("API token scoped to the project revoked")
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
    PROJECT_OIDC_PUBLISHER_ADDED = "project:oidc:publisher-added", gettext_lazy("Trusted publisher added")
    PROJECT_OIDC_PUBLISHER_REMOVED = "project:oidc:publisher-removed", gettext_lazy("Trusted publisher removed")
    # trusted publishing (hostile input, round two)
    PROJECT_OIDC_PUBLISHER_OWNER_PINNED = (
        "project:oidc:publisher-owner-pinned",
        gettext_lazy("Trusted publisher's GitHub owner ID pinned from its first token"),
    )
    PROJECT_NAME_PROHIBIT = "project:name:prohibit", gettext_lazy("Project name prohibited by staff")
    PROJECT_NAME_PROHIBIT_CHANGE = "project:name:prohibit:change", gettext_lazy("Prohibited project name changed by staff")
    PROJECT_NAME_PROHIBIT_REMOVE = "project:name:prohibit:remove", gettext_lazy("Project name allowed again by staff")
    FILE_ADD = "file:add", gettext_lazy("File uploaded")
    FILE_REMOVE = "file:remove", gettext_lazy("File removed")
    # organizations
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
    ORGANIZATION_TEAM_ROLE_PROJECT = "organization:team:role:project", gettext_lazy("Team given a role on a project")
    ORGANIZATION_TEAM_ROLE_PROJECT_REMOVE = "organization:team:role:project:remove", gettext_lazy("Team's role on a project removed")
    ORGANIZATION_PROJECT_ADD = "organization:project:add", gettext_lazy("Project added to the organisation")
    ORGANIZATION_PROJECT_REMOVE = "organization:project:remove", gettext_lazy("Project moved out of the organisation")
    ORGANIZATION_API_TOKEN_ADDED = "organization:api_token:added", gettext_lazy("Organisation API token created")
    ORGANIZATION_API_TOKEN_REMOVED = "organization:api_token:removed", gettext_lazy("Organisation API token revoked")
    ORGANIZATION_API_TOKEN_ROTATED = "organization:api_token:rotated", gettext_lazy("Organisation API token rotated")
    ORGANIZATION_API_TOKEN_USED = "organization:api_token:used", gettext_lazy("Organisation API token used")
    # packages: the upstream index
    ORGANIZATION_RESERVATION_ADD = "organization:reservation:add", gettext_lazy("Name reserved for the organisation")
    ORGANIZATION_RESERVATION_REMOVE = "organization:reservation:remove", gettext_lazy("Name reservation removed")
    PROJECT_UPSTREAM_BLOCK = "project:upstream:block", gettext_lazy("Upstream project or version blocked by staff")
    PROJECT_UPSTREAM_UNBLOCK = "project:upstream:unblock", gettext_lazy("Upstream block lifted by staff")
    PROJECT_UPSTREAM_TRACK = "project:upstream:track", gettext_lazy("Upstream files of the same name served or not")

    # private reading: who may read a project (visibility, organisations' reading policy, invitations)
    PROJECT_VISIBILITY_CHANGE = "project:visibility:change", gettext_lazy("Project visibility changed")
    ORGANIZATION_READING_CHANGE = "organization:reading:change", gettext_lazy("Organisation's reading settings changed")
    ACCOUNT_INVITATION_SENT = "account:invitation:sent", gettext_lazy("Invitation to create an account sent by staff")
    ACCOUNT_CREATE_INVITED = "account:create:invited", gettext_lazy("Account created from a staff invitation")
    # packages: provenance (PEP 740 attestations, and the policy that requires them)
    FILE_PROVENANCE_ADD = "file:provenance:add", gettext_lazy("Attestation verified for an uploaded file")
    FILE_PROVENANCE_REFUSED = "file:provenance:refused", gettext_lazy("Upload refused for its attestations or the provenance policy")
    PROJECT_PROVENANCE_POLICY_CHANGE = "project:provenance:policy", gettext_lazy("Provenance policy changed")


def client_ip(request):
    """The client's IP address, trusting only `NUM_PROXIES` reverse proxies."""
    from django.conf import settings

    if request is None:
        return None
    if settings.NUM_PROXIES:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= settings.NUM_PROXIES:
            return forwarded[-settings.NUM_PROXIES]
    return request.META.get("REMOTE_ADDR") or None


def _check_details(details):
    for key, value in details.items():
        lowered = key.lower()
        if any(word in lowered for word in _SECRET_KEYS) and not lowered.endswith(("_id", "_name", "_label")):
            raise ValueError(f"event detail {key!r} looks like a secret and may not be recorded")
        if isinstance(value, dict):
            _check_details(value)


# Sent for each event once it is saved, by record_event and record_events alike (bulk_create
# sends no post_save): the site counts events by tag for its metrics (indexsite/metrics.py).
# kwargs: event
event_recorded = Signal()


def record_event(**fields):
    """Record one security event; the fields are those of `_build` (below), all keyword-only.

    `request` supplies the IP address and user agent (and the user, when none
    is given and the request is authenticated). `user` is who acted;
    `target_user`, another person it was done to, who then sees the event in
    their own history as well. `organization_name` puts the event in that
    organisation's history. `details` is a small JSON
    object that must never hold a secret: keys that look like one raise
    ValueError so the mistake is caught in tests, not in production.
    """
    event = _build(**fields)
    event.save(force_insert=True)
    event_recorded.send(sender=type(event), event=event)
    return event


def record_events(events):
    """Record several security events of one action in one insert; each item takes record_event's arguments."""
    from .models import SecurityEvent

    built = SecurityEvent.objects.bulk_create([_build(**event) for event in events])
    for event in built:
        event_recorded.send(sender=SecurityEvent, event=event)
    return built


def _build(
    *,
    tag,
    request=None,
    user=None,
    target_user=None,
    project_name="",
    details=None,
    ip_address=None,
    user_agent=None,
    organization_name="",
):
    from .models import SecurityEvent

    details = dict(details or {})
    _check_details(details)
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if ip_address is None:
        ip_address = client_ip(request)
    if user_agent is None:
        user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return SecurityEvent(
        tag=EventTag(tag),
        user=user,
        target_user=target_user,
        project_name=project_name,
        organization_name=organization_name,
        ip_address=ip_address,
        user_agent=user_agent[:512],
        details=details,
    )
