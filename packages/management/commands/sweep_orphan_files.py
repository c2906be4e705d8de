"""Remove stored files that no File row refers to.

An upload writes its bytes before its transaction commits and deletes them if
the transaction fails; only a process killed in between leaves an orphan.
Files younger than --min-age are left alone: they may belong to an upload
still in progress. So is a file whose age the storage cannot tell.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from packages.models import File
from packages.storage import METADATA_SUFFIX


def walk(storage, path=""):
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from walk(storage, f"{path}/{directory}" if path else directory)


class Command(BaseCommand):
    help = "Find (and, without --dry-run, delete) stored distribution files that no database row refers to."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list the orphans.")
        parser.add_argument(
            "--min-age", type=int, default=60, help="Minutes a file must be old to count as orphaned (default 60)."
        )

    def handle(self, *args, dry_run=False, min_age=60, **options):
        cutoff = timezone.now() - timedelta(minutes=min_age)
        known = set(File.objects.values_list("path", flat=True))
        found = 0
        unknown_age = 0
        for name in walk(default_storage):
            owner = name[: -len(METADATA_SUFFIX)] if name.endswith(METADATA_SUFFIX) else name
            if owner in known:
                continue
            try:
                modified = default_storage.get_modified_time(name)
            except Exception:  # each storage fails in its own way (OSError, NotImplementedError, botocore's errors)
                if not default_storage.exists(name):
                    continue  # removed since the listing (a file removal, another sweep)
                # An age we cannot read may be an upload in progress: keep it.
                unknown_age += 1
                self.stderr.write(f"skipped (age unknown): {name}")
                continue
            if modified > cutoff:
                continue
            found += 1
            if dry_run:
                self.stdout.write(f"orphan: {name}")
            else:
                default_storage.delete(name)
                self.stdout.write(f"deleted: {name}")
        verb = "found" if dry_run else "deleted"
        self.stdout.write(f"{found} orphaned file{'s' if found != 1 else ''} {verb}.")
        if unknown_age:
            self.stdout.write(f"{unknown_age} unreferenced file{'s' if unknown_age != 1 else ''} kept: age unknown.")
