"""The security history as a person reads it: what happened, in words, from which device.

Events keep their machine form (tag, JSON details, raw user agent) in the
database; this module only turns them into text for the pages.
"""

import re
from functools import lru_cache

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from ua_parser import parse as parse_user_agent

# A tool names itself first: "twine/7.0.0 CPython/3.12", "uv/0.13.8", "pip/26.0 {...}".
_PRODUCT = re.compile(r"^([A-Za-z][\w.-]*)/(\d+)(?:\.(\d+))?")


@lru_cache(maxsize=512)
def device_description(user_agent):
    """ "Firefox on Linux", "Mobile Safari on iOS", "twine 7.0"; "" when there is no user agent."""
    if not user_agent:
        return ""
    parsed = parse_user_agent(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else ""
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else ""
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser and not user_agent.startswith("Mozilla/"):
        version = ".".join(part for part in (parsed.user_agent.major, parsed.user_agent.minor) if part)
        return f"{browser} {version}".strip()
    product = _PRODUCT.match(user_agent)
    if product and product.group(1) != "Mozilla":
        return " ".join(filter(None, [product.group(1), ".".join(filter(None, product.group(2, 3)))]))
    return browser or system or _("Unknown device")


def _value_in_words(value):
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None or value == "" or value == []:
        return _("none")
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_in_words(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_key_in_words(key)}: {_value_in_words(item)}" for key, item in value.items())
    return str(value)


def _key_in_words(key):
    return capfirst(str(key).replace("_", " ").replace("-", " "))


def details_in_words(details):
    """[("Scope", "demo, other"), ("Replaced", "no")] from an event's JSON details."""
    return [(_key_in_words(key), _value_in_words(value)) for key, value in (details or {}).items()]


def event_rows(events):
    """What the history tables show for each event."""
    return [
        {
            "event": event,
            "description": event.get_tag_display(),
            "details": details_in_words(event.details),
            "device": device_description(event.user_agent or ""),
        }
        for event in events
    ]
