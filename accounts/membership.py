"""Rules every kind of membership shares (people holding roles on a project or in an organisation)."""

from django.utils.translation import gettext


def last_owner_message(*, user, name, doing):
    """Why the last Owner of `name` cannot `doing` ("demote", "leave" or "remove"): one wording for every kind."""
    messages = {
        "demote": gettext(
            "%(username)s is the last Owner of %(name)s and cannot be demoted. Make someone else an Owner first."
        ),
        "leave": gettext(
            "%(username)s is the last Owner of %(name)s and cannot leave. Make someone else an Owner first."
        ),
        "remove": gettext(
            "%(username)s is the last Owner of %(name)s and cannot be removed. Make someone else an Owner first."
        ),
    }
    return messages[doing] % {"username": user.username, "name": name}
