"""A phone booking in admin and online bookings racing for one slot leave one appointment."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.utils import timezone

from booking.models import Appointment
from tests.booking.test_views_book import DETAILS, flow


@pytest.mark.django_db(transaction=True)
def test_admin_and_public_bookings_racing_for_one_slot_leave_one_appointment(clinic_week):
    day = timezone.localdate() + timedelta(days=3)
    staff = User.objects.create_superuser("desk", "desk@example.com", "pw")
    barrier = threading.Barrier(10)
    statuses: list[tuple[str, int]] = []

    def online(n: int) -> None:
        client = Client()
        data = {**flow(day), **DETAILS, "email": f"c{n}@example.com", "confirm": "1"}
        barrier.wait()
        statuses.append(("online", client.post("/book/", data).status_code))
        connections.close_all()

    def phone(n: int) -> None:
        client = Client()
        client.force_login(staff)
        data = {
            "client_name": f"Caller {n}",
            "client_email": f"caller{n}@example.com",
            "client_phone": "717-555-0123",
            "option": clinic_week.option.pk,
            "therapist": clinic_week.therapist.pk,
            "day": day.isoformat(),
            "time": "10:00",
        }
        barrier.wait()
        statuses.append(("phone", client.post("/admin/appointments/book/", data).status_code))
        connections.close_all()

    threads = [threading.Thread(target=online, args=(n,)) for n in range(5)]
    threads += [threading.Thread(target=phone, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Appointment.objects.count() == 1
    winners = [s for s in statuses if s[1] == 302]
    assert len(winners) == 1
    losers = sorted(code for _, code in statuses if code != 302)
    assert losers and set(losers) <= {400, 409}  # admin: form error (400); online: 409
    assert len(statuses) == 10
