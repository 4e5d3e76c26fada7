"""Every public page and every daily back-office page makes a fixed, small number of queries,
the same on the demo clinic and on ten times its history (appointments, clients, gift
certificates): none grows with the data."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Appointment, Client, ServiceOption, Therapist
from tests.factories import GiftCertificateFactory

pytestmark = pytest.mark.django_db

SERVICE = "deep-tissue-myoskeletal-alignment"


def history(scale: int, after: int = 0) -> None:
    """`scale` times a slice of history: per therapist, 20 past sessions, one tonight (before
    the clinic opens, so it never meets a demo booking), 20 clients, 20 gift certificates.
    `after`: the scale already loaded, whose times these follow (never overlap on PostgreSQL)."""
    option = ServiceOption.objects.filter(service__slug=SERVICE).first()
    tonight = datetime.combine(
        timezone.localdate(), time(0), tzinfo=timezone.get_current_timezone()
    )
    rows = []
    for therapist in Therapist.objects.all():
        clients = Client.objects.bulk_create(
            Client(name=f"History {n}", email=f"h{scale}-{therapist.pk}-{n}@example.com")
            for n in range(20 * scale)
        )
        past = range(20 * after, 20 * (after + scale))
        starts = [tonight - timedelta(days=60 + n // 8, hours=n % 8) for n in past]
        starts += [tonight + timedelta(minutes=30 * n) for n in range(after, after + scale)]
        for n, start in enumerate(starts):
            rows.append(
                Appointment(
                    client=clients[n % len(clients)],
                    therapist=therapist,
                    option=option,
                    price=option.price,
                    start=start,
                    end=start + timedelta(minutes=25),
                    blocked_until=start + timedelta(minutes=30),
                    status=Appointment.Status.COMPLETED if start < tonight else "booked",
                )
            )
    Appointment.objects.bulk_create(rows)
    for _ in range(20 * scale):
        GiftCertificateFactory(amount=Decimal("50.00"))


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def booking_paths(client) -> list[str]:
    """The booking steps as a client follows them: the massage, its length, the page of times
    (first available), and the details step for the first free time."""
    times = f"/book/?service={SERVICE}&minutes=60"
    # The last time shown, days ahead: the first may slip inside the minimum notice meanwhile.
    start = soup(client.get(times)).find_all("a", href=re.compile(r"&time=\d"))[-1]["href"]
    return ["/book/", f"/book/?service={SERVICE}", times, start]


# Queries on a first visit (nothing cached yet) and on the next visit by someone else (anonymous
# pages come from the page cache, the booking steps and the gift pages too, with a form token
# of the visitor's own). A budget: a page may do better, never worse, and never grow with data.
PUBLIC = {
    "/": (8, 0),
    "/back-pain-guide/": (1, 0),
    "/services/": (3, 0),
    f"/services/{SERVICE}/": (3, 0),
    "/therapists/": (2, 0),
    "/therapists/priya-shah/": (2, 0),
    "/about/": (1, 0),
    "/find-my-massage/": (0, 0),
    "/gift-certificates/": (2, 0),
    "/gift-certificates/balance/": (2, 0),
}
BOOKING_STEPS = [
    (4, 0),
    (5, 0),
    (9, 0),
    (8, 0),
]  # service, length, times, details
BACK_OFFICE = {  # (first visit, next visit): the session and the login are 2 of each
    "calendar day": (14, 2),  # then kept until a write changes what it shows
    "calendar week": (15, 2),
    "day sheet": (11, 11),
    "appointment list": (12, 12),
    "dashboard": (17, 17),  # with the outcomes per service
    "admin index": (9, 9),
}


def back_office_paths() -> dict[str, str]:
    therapist = Therapist.objects.order_by("pk").first()
    return {
        "calendar day": "/admin/calendar/",
        "calendar week": f"/admin/calendar/therapist/{therapist.pk}/",
        "day sheet": "/admin/calendar/day-sheet/",
        "appointment list": "/admin/booking/appointment/",
        "dashboard": "/admin/reports/",
        "admin index": "/admin/",
    }


def measure(client, admin_client) -> dict[str, tuple[int, int]]:
    """(first visit, next visit) for each page, in a fresh browser each time."""
    from django.test import Client as Browser

    steps = booking_paths(Browser())
    forget_everything()
    counts = {}
    for path in [*PUBLIC, *steps]:
        counts[path] = (queries(Browser(), path), queries(Browser(), path))
    for name, path in back_office_paths().items():
        counts[name] = (queries(admin_client, path), queries(admin_client, path))
    return counts


def forget_everything() -> None:
    from django.core.cache import cache

    from focusedcare.cache import forget_local_copies

    cache.clear()
    forget_local_copies()


def within(counts: dict[str, tuple[int, int]]) -> list[str]:
    paths = list(counts)
    steps = paths[len(PUBLIC) : -len(BACK_OFFICE)]
    budget = {**PUBLIC, **dict(zip(steps, BOOKING_STEPS, strict=True))}
    budget |= BACK_OFFICE
    return [
        f"{path}: {counts[path]} > {budget[path]}"
        for path in paths
        if counts[path][0] > budget[path][0] or counts[path][1] > budget[path][1]
    ]


def test_every_page_stays_within_its_query_budget_first_and_next_visit(client, admin_client, demo):
    history(1)

    counts = measure(client, admin_client)

    assert within(counts) == []


def test_ten_times_the_history_changes_no_pages_query_count(client, admin_client, demo):
    history(1)
    small = measure(client, admin_client)
    history(9, after=1)  # ten times in all
    assert Appointment.objects.count() >= 10 * 21 * Therapist.objects.count()

    large = measure(client, admin_client)

    assert large == small
