"""Delete intake answers kept longer than the owner's retention (the worker runs it daily)."""

from django.core.management.base import BaseCommand

from booking.services.privacy import purge_expired_intakes


class Command(BaseCommand):
    help = "Delete the intake answers of sessions older than the booking policy keeps them."

    def handle(self, *args, **options) -> None:
        deleted = purge_expired_intakes()
        self.stdout.write(f"Deleted {deleted} expired intake(s).")
