"""Delete health records kept longer than the owner's retention (the worker runs it daily). The
name is the one the README has always given; it covers session records and plans too."""

from django.core.management.base import BaseCommand

from booking.services.privacy import purge_expired_health_records


class Command(BaseCommand):
    help = (
        "Delete the intake answers, session records and treatment plans of sessions older "
        "than the booking policy keeps them."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(str(purge_expired_health_records()))
