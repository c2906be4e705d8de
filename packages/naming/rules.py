"""The rules for the name of a new project, each a function of plain values that raises InvalidUpload."""

import sys

from django.utils.translation import gettext
from packaging.utils import InvalidName, canonicalize_name

from ..errors import InvalidUpload

STDLIB_NAMES = frozenset(canonicalize_name(name) for name in sys.stdlib_module_names)


def check_name_valid(name):
    """A name typed by a person (an upload's name is checked with the rest of its metadata)."""
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        raise InvalidUpload(
            gettext(
                "%(name)r is not a valid project name: use letters, numbers, '.', '_' and '-', "
                "and start and end with a letter or number."
            )
            % {"name": name}
        ) from None


def check_name_unused(name, *, existing):
    if existing:
        raise InvalidUpload(
            gettext("The name %(name)r is already taken by the project %(existing)r.") % {"name": name, "existing": existing}
        )


def check_name_not_prohibited(name, *, prohibited):
    if prohibited:
        raise InvalidUpload(f"The name {name!r} isn't allowed.")


def check_name_not_confusable(name, *, similar_to):
    if similar_to:
        raise InvalidUpload(
            f"The name {name!r} is too similar to an existing project ({similar_to!r}). "
            "Choose a more distinctive name."
        )


def check_name_not_stdlib(name):
    if canonicalize_name(name) in STDLIB_NAMES:
        raise InvalidUpload(f"The name {name!r} isn't allowed (conflict with Python Standard Library module name).")
