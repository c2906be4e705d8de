"""Signals other apps listen to, so this app never has to know them.

`member_removed` is sent inside the transaction that removes a person from an
organisation (they left, or were removed): packages answers by removing that
person's own roles on the organisation's projects, so their access to every
organisation project ends in the same commit.

`reading_changed` is sent inside the transaction that changes whether the
organisation's members may read all its projects: who may read its private
projects changes, so packages makes what it cached about them out of date.
"""

from django.dispatch import Signal

# kwargs: organization, user, actor, request
member_removed = Signal()

# kwargs: organization, actor, request
reading_changed = Signal()
