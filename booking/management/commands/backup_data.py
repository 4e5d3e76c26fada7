"""`make backup`: the database (pg_dump or SQLite's backup API) and uploaded media."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from booking.backups import BackupError, back_up


class Command(BaseCommand):
    help = (
        "Back up the database and uploaded media (default: var/backups/focusedcare-<time>.*). "
        "Safe while the site runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="Where to write the backup.")
        parser.add_argument("--no-media", action="store_true", help="Leave uploaded media out.")

    def handle(self, *args, file: Path | None, no_media: bool, **options) -> None:
        try:
            written = back_up(file, media=not no_media)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for path in written:
            self.stdout.write(f"Wrote {path}")
