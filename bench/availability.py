"""Availability: what computing a month of free times costs, for one therapist and for anyone.

Builds a throwaway database (a temp SQLite file, or `focusedcare_bench` on the PostgreSQL server
that DATABASE_URL names), migrates it, and writes a busy clinic: 5 therapists offering one
60-minute service, working Monday-Saturday 09:00-12:30 and 13:30-19:00, with 2,000 appointments
over the next 30 days. Then it times `Availability` over those 30 days, (a) for one therapist
and (b) for any of the five, and counts the queries each call makes.

2,000 sessions cannot fit in those hours (5 therapists x 26 working days hold about 780 sessions
of 60 minutes plus the 15-minute buffer), so each therapist's whole day, from local midnight, is
cut into back-to-back 75-minute blocks and about 70% of them are booked in a rotating pattern:
most appointments lie outside working hours (staff may book those), and the free blocks leave
free times inside them. Every appointment is still loaded and merged by the computation.

Usage, from the repository root (no timed assertions; exits 0):
    .venv/bin/python bench/availability.py
    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/availability.py
"""

import os
import shutil
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from common import REPO, use_throwaway_database

REPETITIONS = 20
THERAPISTS = 5
DAYS = 30
APPOINTMENTS = 2_000
SESSION = timedelta(minutes=60)
BUFFER = timedelta(minutes=15)  # the booking policy's default
BLOCK = SESSION + BUFFER
HOURS = [("09:00", "12:30"), ("13:30", "19:00")]
WORKING_WEEKDAYS = range(6)  # Monday to Saturday


def setup_django() -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DJANGO_SETTINGS_MODULE"] = "focusedcare.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)  # a reused PostgreSQL database


def build_clinic(first_day: date):
    """The service option and five therapists, their hours, and 2,000 appointments."""
    from django.utils import timezone

    from booking.models import (
        Appointment,
        Client,
        Service,
        ServiceOption,
        Therapist,
        WorkingHours,
    )

    service = Service.objects.create(name="Bench massage", slug="bench", summary="Benchmark.")
    option = ServiceOption.objects.create(
        service=service, duration_minutes=SESSION.seconds // 60, price=Decimal("90.00")
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(name=f"Therapist {n}", slug=f"therapist-{n}", order=n) for n in range(THERAPISTS)
    )
    Therapist.services.through.objects.bulk_create(
        Therapist.services.through(therapist=t, service=service) for t in therapists
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            therapist=t,
            weekday=weekday,
            starts=clock.fromisoformat(starts),
            ends=clock.fromisoformat(ends),
        )
        for t in therapists
        for weekday in WORKING_WEEKDAYS
        for starts, ends in HOURS
    )
    clients = Client.objects.bulk_create(
        Client(name=f"Client {n}", email=f"client{n}@example.com", phone="717-555-0100")
        for n in range(100)
    )

    booked, spare = [], []
    zone = timezone.get_current_timezone()
    for d in range(DAYS):
        day = first_day + timedelta(days=d)
        midnight = datetime.combine(day, clock.min, tzinfo=zone).astimezone(UTC)
        next_midnight = datetime.combine(
            day + timedelta(days=1), clock.min, tzinfo=zone
        ).astimezone(UTC)
        for i, therapist in enumerate(therapists):
            block = 0
            while midnight + (block + 1) * BLOCK <= next_midnight:
                start = midnight + block * BLOCK
                chosen = booked if (block + 3 * i + 7 * d) % 10 not in (0, 4, 7) else spare
                chosen.append((therapist, start))
                block += 1
    Appointment.objects.bulk_create(
        Appointment(
            client=clients[n % len(clients)],
            therapist=therapist,
            option=option,
            price=option.price,
            start=start,
            end=start + SESSION,
            blocked_until=start + BLOCK,
        )
        for n, (therapist, start) in enumerate((booked + spare)[:APPOINTMENTS])
    )
    return option, therapists


def measure(**kwargs) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from booking.availability import Availability

    kwargs = {**kwargs, "fresh": True}  # the computation itself, not the page's cached copy
    Availability(**kwargs)  # warm-up: imports, query compilation, connection
    seconds = []
    for _ in range(REPETITIONS):
        started = time.perf_counter()
        Availability(**kwargs)
        seconds.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        availability = Availability(**kwargs)
    slots = [slot for day in availability.days() for slot in availability.slots(day)]
    return {
        "mean": statistics.mean(seconds) * 1000,
        "min": min(seconds) * 1000,
        "queries": len(queries.captured_queries),
        "slots": len(slots),
        "times": len({slot.start for slot in slots}),
    }


def main() -> int:
    temp_dir = use_throwaway_database()
    try:
        setup_django()
        from django.db import connection
        from django.utils import timezone

        from booking.models import Appointment

        now = timezone.now()
        first_day = timezone.localdate(now) + timedelta(days=1)
        last_day = first_day + timedelta(days=DAYS - 1)
        option, therapists = build_clinic(first_day)
        common = {"option": option, "first_day": first_day, "last_day": last_day, "now": now}

        print(
            f"{connection.vendor}, {connection.settings_dict['NAME']}: {len(therapists)} "
            f"therapists, {Appointment.objects.count():,} appointments, "
            f"{first_day} to {last_day}, {REPETITIONS} calls per case"
        )
        cases = {
            "(a) 1 therapist x 30 days": measure(therapist=therapists[0], **common),
            "(b) any of 5 x 30 days": measure(therapist=None, **common),
        }
        print(f"{'case':<28}{'mean ms':>9}{'min ms':>9}{'queries':>9}{'slots':>8}{'times':>8}")
        for name, r in cases.items():
            print(
                f"{name:<28}{r['mean']:>9.1f}{r['min']:>9.1f}{r['queries']:>9}"
                f"{r['slots']:>8}{r['times']:>8}"
            )
        a, b = cases.values()
        print(f"(b) / (a) mean time: {b['mean'] / a['mean']:.2f}x")
        print("slots = therapist-and-time pairs offered; times = distinct start times")
    finally:
        if temp_dir is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
