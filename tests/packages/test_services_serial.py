"""The serial (Project.last_serial) only ever moves forward."""

from packages import services
from packages.models import JournalEntry, Project
from tests.packages.factories import ProjectFactory


def test_a_journal_entry_committing_late_never_moves_the_serial_back(db):
    project = ProjectFactory(name="demo")
    # A parallel transaction took a later entry id and committed first.
    later = JournalEntry.objects.create(project_name="demo", action="later change").id + 1000
    Project.objects.filter(pk=project.pk).update(last_serial=later)
    project.refresh_from_db()

    entry = services.journal_record(project=project, action="earlier change")

    assert entry.id < later
    assert Project.objects.get(pk=project.pk).last_serial == later
    assert project.last_serial == later
