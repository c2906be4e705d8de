"""Writes about projects, releases and files (the upload itself is packages.upload), by subject.

Every write that changes what installers see records one JournalEntry and sets
`Project.last_serial` to its id, in the same transaction (`journal`).
Files leave storage only after the transaction that removed their rows commits.
Callers import from `packages.services`: `projects`, `releases`,
`prohibited_names` (staff) and `journal`.
"""

from .journal import journal_entries, journal_record, journal_record_entries, journal_record_many
from .prohibited_names import prohibited_name_remove, prohibited_name_save
from .projects import (
    RAISED_UPLOAD_LIMIT_KEY,
    project_archive,
    ProjectCreation,
    project_create,
    project_creation,
    project_creation_write,
    project_limits_set,
    project_quarantine_enter,
    project_quarantine_exit,
    project_remove,
    project_unarchive,
)
from .releases import file_remove, release_remove, release_unyank, release_yank

__all__ = [
    "ProjectCreation", "RAISED_UPLOAD_LIMIT_KEY", "file_remove", "journal_entries", "journal_record", "journal_record_entries",
    "journal_record_many", "project_creation", "project_creation_write", "prohibited_name_remove",
    "prohibited_name_save", "project_archive", "project_create", "project_limits_set", "project_quarantine_enter",
    "project_quarantine_exit", "project_remove", "project_unarchive", "release_remove", "release_unyank",
    "release_yank",
]
