"""A realistic clinic for the load benchmark: the demo's catalogue, five therapists, and years of
history, written in bulk (minutes of booking-service calls would measure nothing useful).

Scale 1 is two years of sessions up to four weeks ahead, 2,000 clients and 2,000 gift
certificates with their ledgers. Scale 10 adds eighteen more years before those (ten times the
sessions: five therapists cannot hold ten times as many sessions in the same weeks), and ten
times the clients and certificates: what a clinic looks like after years of use. The week
ahead stays the same, so what grows is only the history the pages must not depend on.

Sessions lie inside each therapist's working hours, never on a holiday, with the policy's
15-minute cleanup after each: about three in four working hours are booked in the past, fewer
the further ahead. Everything is deterministic (one seeded random generator per slice).
Needs Django set up; `seed_demo` supplies the catalogue, holidays, logins and clinic pages.
Rows are bulk-created, so they have no history records (no public page reads those).
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from booking.backoffice.management.commands.seed_demo import clinic_holidays, create_therapists
from booking.models import (
    Appointment,
    Client,
    GiftCertificate,
    GiftLedgerEntry,
    Service,
    ServiceOption,
    Therapist,
)

YEARS = 2  # of past sessions at scale 1
WEEKS_AHEAD = 4
CLIENTS = 2_000
GIFT_CERTIFICATES = 2_000
BUFFER = timedelta(minutes=15)  # the booking policy's default cleanup
BATCH = 2_000

# Two more therapists beside the demo's three: five, as a small clinic has.
MORE_THERAPISTS = [
    {
        "slug": "daniel-reyes",
        "name": "Daniel Reyes",
        "credentials": "LMT, Pennsylvania licensed",
        "bio": "Daniel treats athletes and weekend runners: hips, hamstrings and the lower back.",
        "specialties": "Sports massage\nHamstrings and hips\nRecovery after injury",
        "services": ["deep-tissue-myoskeletal-alignment", "sciatica-piriformis-release"],
        "hours": {d: [("12:00", "16:00"), ("16:30", "20:00")] for d in (0, 1, 3, 4)},
    },
    {
        "slug": "emily-carter",
        "name": "Emily Carter",
        "credentials": "LMT, cupping certified",
        "bio": "Emily combines cupping and hot stones for stress held in the upper back.",
        "specialties": "Cupping\nHot stone therapy\nUpper back and shoulders",
        "services": ["cupping-therapy", "hot-stone-therapy"],
        "hours": {
            **{d: [("09:00", "13:00"), ("13:30", "17:00")] for d in (1, 2, 4)},
            5: [("09:00", "15:00")],
        },
    },
]

FIRST_NAMES = [
    "Anna", "Ben", "Carla", "David", "Elena", "Frank", "Gina", "Henry", "Irene", "Jack", "Karen",
    "Leo", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Steve", "Tara", "Victor", "Wendy",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Baker", "Clark", "Diaz", "Evans", "Foster", "Garcia", "Hughes", "Irwin", "Jones",
    "Keller", "Lopez", "Meyer", "Nolan", "Owens", "Price", "Reed", "Stone", "Turner", "Young",
]  # fmt: skip


@dataclass(frozen=True)
class Clinic:
    """What the benchmark links to: a service and a therapist who gives it, and the owner."""

    service: Service
    option: ServiceOption
    therapist: Therapist
    owner_username: str = "owner"


def load_clinic(now: datetime) -> Clinic:
    """The demo clinic (catalogue, holidays, logins, pages) plus two therapists: five."""
    call_command("seed_demo", now=now, stdout=StringIO())
    services = {service.slug: service for service in Service.objects.all()}
    create_therapists(MORE_THERAPISTS, services, first=Therapist.objects.count())
    service = services["deep-tissue-myoskeletal-alignment"]
    return Clinic(
        service=service,
        option=service.options.get(duration_minutes=60),
        therapist=Therapist.objects.get(slug="maria-alvarez"),
    )


def booked_share(day: date, today: date) -> float:
    """How full a day is: three quarters in the past, emptier the further ahead."""
    ahead = (day - today).days
    if ahead < 0:
        return 0.75
    if ahead <= 7:
        return 0.6
    if ahead <= 14:
        return 0.4
    return 0.2


def add_clients(count: int, offset: int) -> list[int]:
    """`count` clients numbered from `offset` (unique emails); returns their ids."""
    clients = [
        Client(
            name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n // 7 % len(LAST_NAMES)]}",
            email=f"client{n}@example.com",
            phone=f"717-555-{n % 10_000:04}",
        )
        for n in range(offset, offset + count)
    ]
    Client.objects.bulk_create(clients, batch_size=BATCH)
    return list(
        Client.objects.filter(email__in=[c.email for c in clients]).values_list("pk", flat=True)
    )


def _taken(first: datetime, last: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Sessions already held (the demo's): generated ones must not overlap them."""
    taken: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    rows = (
        Appointment.objects.blocking()
        .overlapping(first, last)
        .values_list("therapist_id", "start", "blocked_until")
    )
    for therapist_id, start, blocked_until in rows:
        taken[therapist_id].append((start, blocked_until))
    return taken


def add_appointments(first_day: date, last_day: date, client_ids: list[int], seed: int) -> int:
    """Sessions from `first_day` to `last_day` (local dates, inclusive) in every therapist's
    working hours; returns how many were written."""
    rng = random.Random(seed)
    zone = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate(now)
    therapists = list(Therapist.objects.prefetch_related("services__options", "working_hours"))
    hours: dict[int, dict[int, list[tuple[time, time]]]] = {}
    options: dict[int, list[ServiceOption]] = {}
    for therapist in therapists:
        hours[therapist.pk] = defaultdict(list)
        for interval in therapist.working_hours.all():
            hours[therapist.pk][interval.weekday].append((interval.starts, interval.ends))
        options[therapist.pk] = [
            option for service in therapist.services.all() for option in service.options.all()
        ]
    holidays = {
        day for year in range(first_day.year, last_day.year + 1) for _, day in clinic_holidays(year)
    }
    taken = _taken(
        datetime.combine(first_day, time.min, tzinfo=zone),
        datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone),
    )

    def clashes(therapist_id: int, start: datetime, until: datetime) -> bool:
        return any(s < until and start < u for s, u in taken.get(therapist_id, ()))

    written = 0
    pending: list[Appointment] = []
    day = first_day
    while day <= last_day:
        share = booked_share(day, today)
        for therapist in therapists if day not in holidays else []:
            for starts, ends in sorted(hours[therapist.pk].get(day.weekday(), [])):
                moment = datetime.combine(day, starts, tzinfo=zone)
                shift_end = datetime.combine(day, ends, tzinfo=zone)
                while moment + timedelta(minutes=60) <= shift_end:
                    option = rng.choice(options[therapist.pk])
                    end = moment + timedelta(minutes=option.duration_minutes)
                    if (
                        rng.random() >= share
                        or end > shift_end
                        or clashes(therapist.pk, moment, end + BUFFER)
                    ):
                        moment += timedelta(minutes=60)
                        continue
                    pending.append(
                        _appointment(rng, therapist, option, moment, end, now, client_ids)
                    )
                    moment = end + BUFFER
        if len(pending) >= BATCH or day == last_day:
            Appointment.objects.bulk_create(pending, batch_size=BATCH)
            written += len(pending)
            pending = []
        day += timedelta(days=1)
    return written


def _appointment(
    rng: random.Random,
    therapist: Therapist,
    option: ServiceOption,
    start: datetime,
    end: datetime,
    now: datetime,
    client_ids: list[int],
) -> Appointment:
    """One session; past ones completed (most), missed or cancelled, future ones booked."""
    roll = rng.random()
    appointment = Appointment(
        client_id=rng.choice(client_ids),
        therapist=therapist,
        option=option,
        price=option.price,
        start=start,
        end=end,
        blocked_until=end + BUFFER,
        created_at=start - timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 12)),
    )
    if roll < 0.06:
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = start - timedelta(days=1)
        appointment.cancel_reason = "Called to cancel."
    elif end > now:
        appointment.status = Appointment.Status.BOOKED
    elif roll < 0.09:
        appointment.status = Appointment.Status.NO_SHOW
        appointment.status_changed_at = start + timedelta(minutes=15)
    else:
        appointment.status = Appointment.Status.COMPLETED
        appointment.status_changed_at = end
        appointment.reminder_sent_at = start - timedelta(days=1)
        appointment.aftercare_sent_at = end + timedelta(hours=2)
    return appointment


def add_gift_certificates(count: int, first_day: date, last_day: date, seed: int) -> None:
    """Certificates sold between the two days, each with its ledger: most paid and issued, some
    waiting for payment or void; half of the paid ones spent on a completed session of that
    period (the session's gift amount and the certificate's balance kept in step)."""
    rng = random.Random(seed)
    zone = timezone.get_current_timezone()
    span = (last_day - first_day).days
    sessions = list(
        Appointment.objects.filter(
            status=Appointment.Status.COMPLETED,
            gift_amount=0,
            start__date__gte=first_day,
            start__date__lte=last_day,
        ).values_list("pk", "start", "price")
    )
    rng.shuffle(sessions)
    certificates, ledgers, spent = [], [], []
    for n in range(count):
        sold = datetime.combine(
            first_day + timedelta(days=rng.randrange(span + 1)), time(10), tzinfo=zone
        ) + timedelta(minutes=rng.randrange(600))
        amount = Decimal(rng.choice([50, 75, 100, 100, 150, 200]))
        certificate = GiftCertificate(
            amount=amount,
            buyer_name=f"Buyer {n}",
            buyer_email=f"buyer{n}@example.com",
            recipient_name=f"Recipient {n}",
            created_at=sold,
            payment=GiftCertificate.Payment.CLINIC,
        )
        roll = rng.random()
        entries: list[GiftLedgerEntry] = []
        if roll < 0.05:
            certificate.status = GiftCertificate.Status.PENDING
        else:
            certificate.status = GiftCertificate.Status.ACTIVE
            certificate.paid_at = sold
            certificate.balance = amount
            entries.append(
                GiftLedgerEntry(
                    kind=GiftLedgerEntry.Kind.ISSUE,
                    amount=amount,
                    balance_after=amount,
                    created_at=sold,
                )
            )
            if roll < 0.08:
                certificate.status = GiftCertificate.Status.VOID
                certificate.void_reason = "Refunded."
                certificate.balance = Decimal("0.00")
                entries.append(
                    GiftLedgerEntry(
                        kind=GiftLedgerEntry.Kind.VOID,
                        amount=-amount,
                        balance_after=Decimal("0.00"),
                        created_at=sold + timedelta(days=1),
                    )
                )
            elif roll < 0.55 and sessions:
                pk, start, price = sessions.pop()
                taken = min(amount, price)
                certificate.balance = amount - taken
                spent.append(Appointment(pk=pk, gift_amount=taken))
                entries.append(
                    GiftLedgerEntry(
                        kind=GiftLedgerEntry.Kind.REDEEM,
                        amount=-taken,
                        balance_after=certificate.balance,
                        appointment_id=pk,
                        created_at=start,
                    )
                )
        certificates.append(certificate)
        ledgers.append(entries)
    with transaction.atomic():
        GiftCertificate.objects.bulk_create(certificates, batch_size=BATCH)
        if any(certificate.pk is None for certificate in certificates):
            raise RuntimeError("bulk_create must return primary keys (SQLite 3.35+, PostgreSQL)")
        for certificate, entries in zip(certificates, ledgers, strict=True):
            for entry in entries:
                entry.certificate = certificate
        GiftLedgerEntry.objects.bulk_create(
            [entry for entries in ledgers for entry in entries], batch_size=BATCH
        )
        Appointment.objects.bulk_update(spent, ["gift_amount"], batch_size=BATCH)


@dataclass(frozen=True)
class Slice:
    """One stretch of history and what was sold in it: scale 1 is one slice, scale 10 adds one."""

    first_day: date
    last_day: date
    clients: int
    gift_certificates: int
    seed: int


def slices(today: date, scale: int) -> list[Slice]:
    """What takes the data set from the previous scale to `scale` (1, then 10)."""
    recent = today - timedelta(days=365 * YEARS)
    if scale == 1:
        return [Slice(recent, today + timedelta(weeks=WEEKS_AHEAD), CLIENTS, GIFT_CERTIFICATES, 1)]
    older = today - timedelta(days=365 * YEARS * scale)
    return [
        Slice(
            older,
            recent - timedelta(days=1),
            CLIENTS * (scale - 1),
            GIFT_CERTIFICATES * (scale - 1),
            scale,
        )
    ]


def grow(today: date, scale: int, client_offset: int) -> dict[str, int]:
    """Adds the slices for `scale`; returns the counts of what the database now holds."""
    for part in slices(today, scale):
        client_ids = add_clients(part.clients, client_offset)
        add_appointments(part.first_day, part.last_day, client_ids, part.seed)
        add_gift_certificates(
            part.gift_certificates, part.first_day, min(part.last_day, today), part.seed
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would have done by the time it is used
    return counts()


def counts() -> dict[str, int]:
    return {
        "therapists": Therapist.objects.count(),
        "services": Service.objects.count(),
        "clients": Client.objects.count(),
        "appointments": Appointment.objects.count(),
        "gift_certificates": GiftCertificate.objects.count(),
        "gift_ledger_entries": GiftLedgerEntry.objects.count(),
    }
