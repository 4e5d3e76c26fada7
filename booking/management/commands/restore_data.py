"""`make restore FILE=...`: put a backup made by backup_data back, after asking."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from booking.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace ALL data with a backup made by backup_data (and the media archive beside it). "
        "Stop the app servers and the worker first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The backup to restore.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--no-media", action="store_true", help="Leave media as it is.")

    def handle(self, *args, file: Path, yes: bool, no_media: bool, **options) -> None:
        if not file.is_file():
            raise CommandError(f"No backup at {file}.")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Restoring replaces all data: confirm with --yes.")
            answer = input(f"Replace ALL data with {file}? Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        try:
            restored = restore(file, media=not no_media)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for path in restored:
            self.stdout.write(f"Restored {path}")
        self.stdout.write("Run `manage.py migrate` if the backup is from an older version.")
