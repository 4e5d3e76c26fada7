"""Several email workers at once (several machines, one database): each email goes out once."""

import threading
from collections import Counter

import pytest
from django.db import connection

from booking.models import OutboundEmail
from booking.services.emails import send_pending_emails


@pytest.mark.django_db(transaction=True)
def test_three_workers_sending_at_once_send_each_email_exactly_once(smtp_server):
    OutboundEmail.objects.bulk_create(
        OutboundEmail(kind="gift_receipt", to=f"c{n}@example.com", subject=f"Receipt {n}",
                      body_text="Thank you.")
        for n in range(30)
    )  # fmt: skip
    start = threading.Barrier(3)
    errors = []

    def worker() -> None:
        try:
            start.wait()
            while send_pending_emails(limit=5):
                pass
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    received = Counter(message["Subject"] for message in smtp_server.messages)
    assert received == Counter({f"Receipt {n}": 1 for n in range(30)})
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
