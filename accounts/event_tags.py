"""The security history's tags: which tags exist, and each one in words.

Every app owns the tags of what it records: an `EventTag` (TextChoices) in its
own `events.py`, declared here by its AppConfig.ready(), so a new tag is a
line in its app and neither a migration nor an edit of accounts. Accounts'
own tags are below. `record_event` refuses a tag that no app declared (a
programming error, caught by the tests), and the history shows each tag's
words in the reader's language.

This module sits under `models` and `events` (it imports neither), so both
can use it.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class EventTag(models.TextChoices):
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
    ACCOUNT_SESSION_END = "account:session:end", gettext_lazy("Session signed out")
    ACCOUNT_SESSIONS_END = "account:session:end_others", gettext_lazy("Other sessions signed out")
    ACCOUNT_SESSION_EXPIRED = "account:session:expired", gettext_lazy("Session expired")
    ACCOUNT_INVITATION_SENT = "account:invitation:sent", gettext_lazy("Invitation to create an account sent by staff")
    ACCOUNT_CREATE_INVITED = "account:create:invited", gettext_lazy("Account created from a staff invitation")


_declared = {}  # tag -> its TextChoices member (whose label is the words)


def declare_tags(tags):
    """Declare the tags of one app (a TextChoices); a tag already declared by another class is an error."""
    for member in tags:
        known = _declared.get(member.value)
        if known is not None and type(known) is not tags:
            raise ValueError(f"event tag {member.value!r} is declared twice: by {type(known).__module__} and {tags.__module__}")
        _declared[member.value] = member


def declared_tag(tag):
    """`tag` as recorded; ValueError for a tag no app declared."""
    try:
        return _declared[str(tag)].value
    except KeyError:
        raise ValueError(f"event tag {tag!r} is not declared: add it to the EventTag of its app's events.py") from None


def tag_label(tag):
    """The tag in words, in the reader's language (the tag itself for one no longer declared)."""
    member = _declared.get(tag)
    return member.label if member is not None else tag


def declared_tags():
    """Every declared tag with its words, as (tag, words) pairs ordered by tag: choices for a filter."""
    return [(tag, member.label) for tag, member in sorted(_declared.items())]
