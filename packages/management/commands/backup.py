"""manage.py backup <directory>: the database and the stored files, with a manifest of checksums."""

from django.core.management.base import BaseCommand, CommandError

from packages.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite's online backup, or pg_dump) and the locally stored files into a new "
        "directory, with manifest.json listing each file's SHA-256. The site may keep running."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A new or empty directory to write the backup into.")

    def handle(self, *args, directory, **options):
        try:
            summary = backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up the {summary.database} database and {summary.files} stored files "
            f"({summary.bytes} bytes) into {directory}."
        )
