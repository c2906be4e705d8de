"""The security history: one function that records an event, for every app.

Every app records its sensitive actions through `record_event`, inside the
same transaction as the change it records, with a tag its own `events.py`
declares (`accounts/event_tags.py`; accounts' own tags are `EventTag` here).
"""

from django.dispatch import Signal

from .event_tags import EventTag, declared_tag  # noqa: F401 (EventTag: accounts' own tags, imported from here)

# Keys that must never appear in an event's details: an event is shown to the
# user and to staff, and a secret there would outlive its rotation.
_SECRET_KEYS = ("password", "secret", "token", "otp", "code", "key", "signature")


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

    built = SecurityEvent.objects.bulk_create(build_events(events))
    announce_events(built)
    return built


def build_events(events):
    """record_events in two halves, for a hot path that inserts the events within a statement of its own
    (packages/upload/statements.py): the events built and checked, unsaved; then, once inserted, announced."""
    return [_build(**event) for event in events]


def announce_events(built):
    from .models import SecurityEvent

    for event in built:
        event_recorded.send(sender=SecurityEvent, event=event)


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
        tag=declared_tag(tag),
        user=user,
        target_user=target_user,
        project_name=project_name,
        organization_name=organization_name,
        ip_address=ip_address,
        user_agent=user_agent[:512],
        details=details,
    )
