"""The worker: queues due reminders and sends what the outbox holds, retrying failures; once a
day it also deletes health records past the owner's retention."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from booking.services.emails import (
    enqueue_due_aftercare,
    enqueue_due_intake_requests,
    enqueue_due_reminders,
    send_pending_emails,
)
from booking.services.gift_certificates.sales import deliver_due_gift_certificates
from booking.services.privacy import purge_expired_health_records

PURGE_EVERY = 24 * 60 * 60  # seconds: retention is counted in years, daily is soon enough


class Command(BaseCommand):
    help = (
        "Send pending emails (and queue due reminders, aftercare and gift certificates); "
        "--loop keeps doing it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running until stopped.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between rounds.")

    def handle(self, *args, loop: bool, interval: float, **options) -> None:
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        next_purge = time.monotonic()  # at start, then daily (safe in several workers at once)
        while True:
            if loop:
                close_old_connections()  # a long-running process must not keep a dead one
            if time.monotonic() >= next_purge:
                purged = purge_expired_health_records()
                next_purge = time.monotonic() + PURGE_EVERY
                if purged:
                    self.stdout.write(str(purged))
            reminders = enqueue_due_reminders() + enqueue_due_aftercare()
            reminders += enqueue_due_intake_requests()
            reminders += deliver_due_gift_certificates()
            sent = send_pending_emails()
            if reminders or sent or not loop:
                self.stdout.write(f"Queued {reminders} reminder/aftercare/gift, sent {sent}.")
            if not loop or not self.running:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return

    def _stop(self, *args) -> None:
        self.running = False
