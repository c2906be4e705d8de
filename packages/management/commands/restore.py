"""manage.py restore <directory>: a backup made by `manage.py backup`, into an empty database and storage."""

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from packages.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` after checking every checksum. The database and the file "
        "storage must be empty (a new database, an empty MEDIA_ROOT) unless --force. Stop the site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="The backup's directory (it holds manifest.json).")
        parser.add_argument(
            "--force", action="store_true", help="Overwrite a database and storage that are not empty."
        )

    def handle(self, *args, directory, force=False, **options):
        try:
            summary = restore(directory, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        # Cached documents and counters belong to the data before the restore.
        cache.clear()
        self.stdout.write(
            f"Restored the {summary.database} database and {summary.files} stored files ({summary.bytes} bytes) "
            f"from {directory}."
        )
