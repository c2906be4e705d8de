"""The journal: every change installers can see is one JournalEntry, and the project's serial moves to it.

Recorded in the same transaction as the change (`journal_record`); the
project's generation moves with it, so cached documents, the fast path and
the edge drop what they kept.
"""

from django.db.models import F, Value
from django.db.models.functions import Greatest

from ..index import fastpath
from ..models import JournalEntry, Project


def journal_record(*, project, action, user=None, index=False):
    """Record a change installers can see and bump the project's serial to it.

    The cached documents of the project (and, with `index`, of the root index,
    for changes to the list of projects) go out of date, at the edge too.
    """
    return journal_record_many(project=project, actions=[action], user=user, index=index)[0]


def journal_record_many(*, project, actions, user=None, index=False, size_change=0):
    """journal_record for several changes of one action, in one insert and one project update.

    `size_change` is added to the project's total size in the same update.
    """
    return journal_record_entries(project=project, entries=[(action, user) for action in actions], index=index,
                                  size_change=size_change)


def journal_entries(*, project, entries):
    """The unsaved JournalEntry rows of `entries`, (action, user) pairs: for journal_record_entries, and for the
    upload's own statement (packages/upload/statements.py), which inserts them and moves the serial in one."""
    return [
        JournalEntry(project_name=project.normalized_name, action=action, user=user if user and user.pk else None)
        for action, user in entries
    ]


def journal_record_entries(*, project, entries, index=False, size_change=0):
    """journal_record_many for changes by several people: `entries` are (action, user) pairs.

    A project not saved yet gets its serial (and its size) set on the instance, to be inserted with it.
    """
    entries = JournalEntry.objects.bulk_create(journal_entries(project=project, entries=entries))
    serial = max(entry.id for entry in entries)
    if project.pk:
        # Entry ids are handed out at insert, not at commit: a transaction that
        # took a smaller id may commit after one with a larger id. Never move back.
        changes = {"last_serial": Greatest(F("last_serial"), Value(serial))}
        if size_change:
            changes["total_size"] = F("total_size") + size_change
        Project.objects.filter(pk=project.pk).update(**changes)
    else:
        project.total_size = (project.total_size or 0) + size_change
    project.last_serial = max(project.last_serial or 0, serial)
    fastpath.project_changed(name=project.normalized_name, index=index)
    return entries
