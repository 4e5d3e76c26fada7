"""The demo clinic: the guide's four services, three therapists with working hours, closures on
public holidays, a past fortnight of sessions (so the owner's reports have figures; each
completed one with its session record and treatment plan, as the care loop asks), a few
appointments in the coming days, a paid gift certificate, and three logins: owner, front desk
and one therapist.

Idempotent: records are found by slug, username or date and left alone when they exist, and
appointments are seeded only into a clinic that has none, so running it twice (or after the
owner has edited the demo) changes nothing. Nobody is emailed.
"""

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import FRONT_DESK, OWNER, THERAPIST
from booking.exceptions import BookingError
from booking.models import (
    Appointment,
    ClinicClosure,
    GiftCertificate,
    OutboundEmail,
    Service,
    ServiceOption,
    SessionRecord,
    Therapist,
    TreatmentPlan,
    WorkingHours,
)
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    mark_no_show,
)
from booking.services.care import save_session_record, save_treatment_plan
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)

SERVICES = [
    {
        "slug": "deep-tissue-myoskeletal-alignment",
        "name": "Deep Tissue & Myoskeletal Alignment",
        "summary": "For chronic deep stiffness: long term pain, old injuries and posture problems.",
        "helps_with": "Years of back pain\nOld sports injuries\nPoor posture\nLimited mobility\n"
        "Tech neck and upper back tension\nA spine pulled out of alignment",
        "guide_advice": "Deep tissue massage and myoskeletal alignment are best for long term "
        "pain, old injuries, and posture problems.\n\nThese techniques work on deeper muscle "
        "layers and connective tissue. They help break down long held tension and restore "
        "proper movement.",
        "guide_anchor": "for-chronic-deep-stiffness",
        "description": "Your session starts with assessment: how you stand and sit, and which "
        "movements are restricted. Then your therapist works on the muscles causing the "
        "problem, not only the painful spot.",
        "options": [(60, "95.00"), (90, "135.00")],
    },
    {
        "slug": "hot-stone-therapy",
        "name": "Hot Stone Therapy",
        "summary": "For high stress and muscle knots held in the upper back and shoulders.",
        "helps_with": "Constant muscle tightness\nStress related pain\nTension headaches",
        "guide_advice": "Hot stone therapy is very helpful for people who hold stress in their "
        "upper back and shoulders.\n\nThe heat relaxes the muscles and soft tissue, allowing "
        "deeper work without excessive pain.",
        "guide_anchor": "for-high-stress-and-muscle-knots",
        "description": "Warm stones relax the tissue first, so your therapist can work deeper "
        "with less discomfort.",
        "options": [(60, "105.00"), (90, "145.00")],
    },
    {
        "slug": "cupping-therapy",
        "name": "Cupping Therapy",
        "summary": "For stubborn tightness and poor circulation around the spine.",
        "helps_with": "Chronic stiffness\nRestricted movement\nPoor circulation\nScar tissue",
        "guide_advice": "Cupping therapy lifts the tissue instead of pressing it. This improves "
        "blood flow and helps release tight areas around the spine.",
        "guide_anchor": "for-stubborn-tightness-and-poor-circulation",
        "description": "Cupping is often combined with hands-on work in the same session.",
        "options": [(60, "90.00"), (90, "130.00")],
    },
    {
        "slug": "sciatica-piriformis-release",
        "name": "Sciatica & Piriformis Release",
        "summary": "For nerve pain like sciatica: targeted work on the hips and glutes.",
        "helps_with": "Pain that travels down the leg\nTight hips and glutes\n"
        "Lower back pain from sitting",
        "guide_advice": "Sciatica pain often comes from tight muscles pressing on the sciatic "
        "nerve. One of the main muscles involved is the piriformis.\n\nTargeted massage to the "
        "hips and glutes can reduce pressure on the nerve and relieve pain that travels down "
        "the leg.",
        "guide_anchor": "for-nerve-pain-like-sciatica",
        "description": "Severe numbness or tingling, or loss of bladder or bowel control, need a "
        "doctor first: see the red flags in our guide.",
        "options": [(60, "100.00"), (90, "140.00")],
    },
]

THERAPISTS = [
    {
        "slug": "maria-alvarez",
        "name": "Maria Alvarez",
        "credentials": "LMT, Pennsylvania licensed",
        "bio": "Maria has treated desk workers and drivers with chronic back pain for twelve "
        "years. She starts every session by watching how you stand and move.",
        "specialties": "Myoskeletal alignment\nPosture and tech neck\nOld sports injuries",
        "services": [
            "deep-tissue-myoskeletal-alignment",
            "cupping-therapy",
            "sciatica-piriformis-release",
        ],
        # Weekday (0 = Monday): working intervals; the gap is lunch.
        "hours": {d: [("09:00", "12:30"), ("13:30", "18:00")] for d in (0, 1, 2, 3, 4)},
    },
    {
        "slug": "james-whitaker",
        "name": "James Whitaker",
        "credentials": "LMT, Pennsylvania licensed",
        "bio": "James works with people whose stress lives in their shoulders. His hot stone "
        "sessions let tight muscles let go without excessive pain.",
        "specialties": "Hot stone therapy\nTension headaches\nStress related pain",
        "services": ["hot-stone-therapy", "deep-tissue-myoskeletal-alignment"],
        "hours": {
            **{d: [("11:00", "15:00"), ("15:30", "19:00")] for d in (1, 2, 3)},
            4: [("11:00", "17:00")],
            5: [("09:00", "14:00")],
        },
    },
    {
        "slug": "priya-shah",
        "name": "Priya Shah",
        "credentials": "LMT, orthopedic massage",
        "bio": "Priya focuses on the lower back, hips and glutes, and on nerve pain like "
        "sciatica. She will show you what to change at your desk and in your car.",
        "specialties": "Sciatica and piriformis\nLower back and hips\nCupping",
        "services": ["sciatica-piriformis-release", "cupping-therapy", "hot-stone-therapy"],
        "hours": {
            **{d: [("09:00", "13:00"), ("14:00", "17:00")] for d in (0, 2, 4)},
            3: [("12:00", "19:00")],
            5: [("09:00", "14:00")],
        },
    },
]


# Days from today (or the next day the therapist works), start, service, therapist, client.
DEMO_BOOKINGS = [
    (2, "10:00", "deep-tissue-myoskeletal-alignment", "maria-alvarez", "Dana Miller"),
    (2, "14:00", "sciatica-piriformis-release", "maria-alvarez", "Tom Becker"),
    (3, "11:00", "hot-stone-therapy", "james-whitaker", "Lisa Nguyen"),
    (4, "09:00", "cupping-therapy", "priya-shah", "Sam Ortiz"),
    (5, "16:00", "deep-tissue-myoskeletal-alignment", "james-whitaker", "Rachel King"),
]


# Username, role, and the therapist whose login it is. Passwords are random, printed once.
ACCOUNTS = [
    ("owner", OWNER, None),
    ("frontdesk", FRONT_DESK, None),
    ("maria", THERAPIST, "maria-alvarez"),
]

# Returning clients for the past fortnight (the upcoming bookings' clients among them).
PAST_CLIENTS = [
    "Dana Miller",
    "Tom Becker",
    "Lisa Nguyen",
    "Sam Ortiz",
    "Rachel King",
    "Mark Hoover",
    "Grace Kim",
    "Chris Patel",
    "Angela Brooks",
    "Kevin Walsh",
    "Nora Fischer",
    "Luis Romero",
    "Helen Carter",
]
PAST_DAYS = 14

# What a therapist writes after a completed session of each service: the session record's
# findings and work, and the plan it ends with (by service slug).
CARE_NOTES = {
    "deep-tissue-myoskeletal-alignment": {
        "record": {
            "shoulder_height": "right_higher",
            "head_position": "slightly_forward",
            "rom_forward_bend": "limited",
            "areas_treated": ["upper_back", "lower_back"],
            "techniques": ["deep_tissue", "myoskeletal"],
            "pressure": 4,
            "notes": "Guarding in the right upper trapezius; eased by the end of the session.",
        },
        "plan": {
            "focus": "Release the upper back and restore forward bending",
            "sessions_planned": 4,
            "interval_days": 14,
            "home_care": ["your-screen-your-phone", "posture"],
        },
    },
    "hot-stone-therapy": {
        "record": {
            "hip_level": "level",
            "rom_twist": "limited",
            "areas_treated": ["mid_back", "lower_back"],
            "techniques": ["hot_stone", "swedish"],
            "pressure": 3,
            "notes": "Stiff through the lower back in the morning; warmth helped.",
        },
        "plan": {
            "focus": "Ease the morning stiffness in the lower back",
            "sessions_planned": 3,
            "interval_days": 21,
            "home_care": ["keep-moving", "drink-water"],
        },
    },
    "cupping-therapy": {
        "record": {
            "shoulder_height": "level",
            "rom_arm_raise": "limited",
            "areas_treated": ["upper_back", "neck"],
            "techniques": ["cupping", "trigger_point"],
            "pressure": 3,
            "notes": "Burning between the shoulder blades after desk days.",
        },
        "plan": {
            "focus": "Calm the tension between the shoulder blades",
            "sessions_planned": 3,
            "interval_days": 14,
            "home_care": ["your-chair-your-sitting"],
        },
    },
    "sciatica-piriformis-release": {
        "record": {
            "hip_level": "left_higher",
            "rom_forward_bend": "painful",
            "areas_treated": ["hips_glutes", "legs"],
            "techniques": ["trigger_point", "stretching"],
            "pressure": 3,
            "notes": "Tingling down the left leg on sitting; the piriformis released well.",
        },
        "plan": {
            "focus": "Free the sciatic nerve at the left piriformis",
            "sessions_planned": 5,
            "interval_days": 10,
            "home_care": ["hips-glutes", "keep-moving"],
        },
    },
}


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def clinic_holidays(year: int) -> list[tuple[str, date]]:
    """The US public holidays the clinic closes on, on the day itself (not the federal
    "observed" Friday or Monday: the clinic is open on Saturdays)."""
    return [
        ("New Year's Day", date(year, 1, 1)),
        ("Memorial Day", _last_weekday(year, 5, calendar.MONDAY)),
        ("Independence Day", date(year, 7, 4)),
        ("Labor Day", _nth_weekday(year, 9, calendar.MONDAY, 1)),
        ("Thanksgiving", _nth_weekday(year, 11, calendar.THURSDAY, 4)),
        ("Christmas Day", date(year, 12, 25)),
    ]


@dataclass(frozen=True)
class PastSession:
    start: datetime
    therapist: str
    service: str
    minutes: int
    client: str
    outcome: str


def plan_past_fortnight(now: datetime, closed: set[date]) -> list[PastSession]:
    """The sessions of the last two weeks up to `now`, only those already over, and always the
    same for the same `now`: each therapist sees one client on each day they work (not on
    `closed` days), at the start of one of that day's shifts (a Monday's first, so by mid
    morning on Monday this week has figures). Within each week, Monday to Sunday as the
    owner's report counts it, the second session is a no-show, the fifth and every eighth
    after it are cancelled, and the rest took place."""
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now)
    planned: list[tuple[datetime, str, str, int]] = []
    for day in (today - timedelta(days=n) for n in range(PAST_DAYS, -1, -1)):
        if day in closed:
            continue
        for position, spec in enumerate(THERAPISTS):
            shifts = spec["hours"].get(day.weekday(), [])
            if not shifts:
                continue
            turn = day.toordinal() + position
            starts, _ = shifts[(day.weekday() + position) % len(shifts)]
            start = datetime.combine(day, time.fromisoformat(starts), tzinfo=zone)
            minutes = 90 if turn % 4 == 0 else 60
            if start + timedelta(minutes=minutes) <= now:
                service = spec["services"][turn % len(spec["services"])]
                planned.append((start, spec["slug"], service, minutes))
    planned.sort()

    sessions, in_week, week = [], 0, None
    for number, (start, therapist, service, minutes) in enumerate(planned):
        monday = start.date() - timedelta(days=start.weekday())
        in_week = in_week + 1 if monday == week else 0
        week = monday
        if in_week == 1:
            outcome = Appointment.Status.NO_SHOW
        elif in_week % 8 == 4:
            outcome = Appointment.Status.CANCELLED
        else:
            outcome = Appointment.Status.COMPLETED
        client = PAST_CLIENTS[number * 5 % len(PAST_CLIENTS)]
        sessions.append(PastSession(start, therapist, service, minutes, client, outcome))
    return sessions


def _closed_days(now: datetime) -> set[date]:
    """The days of the past fortnight some closure covers (no session is tried on them)."""
    today = timezone.localdate(now)
    first_day = today - timedelta(days=PAST_DAYS)
    closed: set[date] = set()
    for first, last in ClinicClosure.objects.filter(
        first_day__lte=today, last_day__gte=first_day
    ).values_list("first_day", "last_day"):
        closed |= {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return closed


def _client(name: str) -> ClientDetails:
    number = PAST_CLIENTS.index(name)
    return ClientDetails(
        name=name, email=f"{name.split()[0].lower()}@example.com", phone=f"717-555-01{number:02}"
    )


def create_therapists(specs: list[dict], services: dict[str, Service], first: int = 0) -> None:
    """Therapists from specs like THERAPISTS, with their services and weekly hours; one that
    exists already (by slug) is left as it is, so running it again changes nothing."""
    for order, spec in enumerate(specs, start=first):
        fields = {k: v for k, v in spec.items() if k not in {"slug", "services", "hours"}}
        therapist, created = Therapist.objects.get_or_create(
            slug=spec["slug"], defaults={**fields, "order": order}
        )
        if created:
            therapist.services.set(services[slug] for slug in spec["services"])
            WorkingHours.objects.bulk_create(
                WorkingHours(
                    therapist=therapist,
                    weekday=weekday,
                    starts=time.fromisoformat(starts),
                    ends=time.fromisoformat(ends),
                )
                for weekday, intervals in spec["hours"].items()
                for starts, ends in intervals
            )


class Command(BaseCommand):
    help = (
        "Load the demo clinic (services, therapists, holidays, past and upcoming sessions, "
        "owner, front-desk and therapist logins). Safe to run twice."
    )
    # For tests and screenshots, from call_command: `now`, the demo as it would be seeded at
    # another moment; `past_fortnight=False`, without the past sessions (seconds saved when
    # only the catalogue matters).
    stealth_options = ("now", "past_fortnight")

    @transaction.atomic
    def handle(
        self, *args, now: datetime | None = None, past_fortnight: bool = True, **options
    ) -> None:
        now = now or timezone.now()
        services = {}
        for order, spec in enumerate(SERVICES):
            fields = {k: v for k, v in spec.items() if k not in {"slug", "options"}}
            service, created = Service.objects.get_or_create(
                slug=spec["slug"], defaults={**fields, "order": order}
            )
            if created:
                ServiceOption.objects.bulk_create(
                    ServiceOption(service=service, duration_minutes=minutes, price=Decimal(price))
                    for minutes, price in spec["options"]
                )
            services[service.slug] = service

        create_therapists(THERAPISTS, services)

        self._close_on_holidays(now)
        accounts, passwords = self._create_accounts()
        if not Appointment.objects.exists():
            if past_fortnight:
                self._record_past_fortnight(accounts, now)
            self._book_demo_appointments(services, now)
        self._issue_demo_gift_certificate()
        self._print_passwords(passwords)
        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))

    def _close_on_holidays(self, now: datetime) -> None:
        """This year's and next year's holidays (and last year's while the past fortnight
        reaches into it). A day some closure already covers is left alone."""
        today = timezone.localdate(now)
        first_year = (today - timedelta(days=PAST_DAYS)).year
        for year in range(first_year, today.year + 2):
            for name, day in clinic_holidays(year):
                if not ClinicClosure.objects.filter(first_day__lte=day, last_day__gte=day).exists():
                    ClinicClosure.objects.create(name=name, first_day=day, last_day=day)

    def _create_accounts(self) -> tuple[dict[str, AbstractBaseUser], list[tuple[str, str, str]]]:
        """Staff logins with "Staff status" and one role each; one that exists is left alone
        (its password is never shown again)."""
        User = get_user_model()
        accounts, passwords = {}, []
        for username, role, therapist_slug in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                therapist = Therapist.objects.filter(slug=therapist_slug, user=None).first()
                password = secrets.token_urlsafe(12)
                user = User.objects.create_user(
                    username=username,
                    email=f"{username}@focusedcare.example",
                    password=password,
                    first_name=therapist.name.split()[0] if therapist else "",
                    last_name=therapist.name.split()[-1] if therapist else "",
                    is_staff=True,
                    is_superuser=role == OWNER,
                )
                user.groups.add(Group.objects.get(name=role))
                if therapist is not None:
                    therapist.user = user
                    therapist.save(update_fields=["user"])
                    role = f"{role}: {therapist.name}'s own clients only"
                passwords.append((username, password, role))
            accounts[username] = user
        return accounts, passwords

    def _print_passwords(self, passwords: list[tuple[str, str, str]]) -> None:
        if not passwords:
            return
        self.stdout.write(
            f"Demo logins for {reverse('admin:index')} (passwords shown this once; to set another: "
            ".venv/bin/python manage.py changepassword <username>):"
        )
        for username, password, role in passwords:
            self.stdout.write(f"  username '{username}', password '{password}' ({role})")

    def _record_past_fortnight(self, accounts: dict[str, AbstractBaseUser], now: datetime) -> None:
        """Sessions of the last two weeks, booked by the front desk (staff may book a time
        already past: it records the visit and confirms nothing) and then completed, missed
        or cancelled through the same services staff use. Outcomes are recorded by the
        therapist's own login when there is one. Nobody is emailed about this made-up past:
        the clients' cancellation notices are removed from the outbox, and the completed
        sessions' aftercare is marked as done so the worker does not send it."""
        desk = accounts["frontdesk"]
        therapists = {t.slug: t for t in Therapist.objects.select_related("user")}
        options = {
            (option.service.slug, option.duration_minutes): option
            for option in ServiceOption.objects.select_related("service")
        }
        tally: dict[str, int] = {}
        completed = []
        for number, session in enumerate(plan_past_fortnight(now, _closed_days(now))):
            therapist = therapists.get(session.therapist)
            option = options.get((session.service, session.minutes))
            if therapist is None or option is None:
                continue
            try:
                appointment = book_appointment(
                    option=option,
                    start=session.start,
                    client=_client(session.client),
                    therapist=therapist,
                    by=desk,
                    notify_client=False,
                    notify_clinic=False,
                    now=session.start - timedelta(days=3 + number % 5),
                )
            except BookingError:
                continue  # a holiday, or the owner changed the hours: that day had no session
            recorder = therapist.user or desk
            if session.outcome == Appointment.Status.COMPLETED:
                complete_appointment(appointment=appointment, by=recorder, now=appointment.end)
                self._write_care_notes(appointment, therapist.user)
                completed.append(appointment.pk)
            elif session.outcome == Appointment.Status.NO_SHOW:
                mark_no_show(
                    appointment=appointment,
                    by=recorder,
                    now=appointment.start + timedelta(minutes=15),
                )
            else:
                cancel_appointment(
                    appointment=appointment,
                    reason="Called to cancel: unwell.",
                    by=desk,
                    now=appointment.start - timedelta(days=1),
                )
                OutboundEmail.objects.filter(appointment=appointment).delete()
            tally[session.outcome] = tally.get(session.outcome, 0) + 1
        Appointment.objects.filter(pk__in=completed).update(aftercare_sent_at=now)
        self.stdout.write(
            f"Past fortnight: {tally.get('completed', 0)} completed, "
            f"{tally.get('no_show', 0)} no-shows, {tally.get('cancelled', 0)} cancelled "
            "(nobody emailed)."
        )

    def _write_care_notes(self, appointment: Appointment, by: AbstractBaseUser | None) -> None:
        """The session record and plan, written when the session ended, as the therapist would
        (by their login, if they have one: never the desk's), through the same services the
        back office uses; no email (aftercare is marked done after)."""
        notes = CARE_NOTES.get(appointment.option.service.slug)
        if notes is None:
            return
        written = appointment.end + timedelta(minutes=10)
        record = SessionRecord(appointment=appointment, created_at=written, **notes["record"])
        save_session_record(record=record, by=by, now=written)
        plan = TreatmentPlan(appointment=appointment, created_at=written, **notes["plan"])
        save_treatment_plan(plan=plan, by=by, now=written)

    def _book_demo_appointments(self, services: dict[str, Service], now: datetime) -> None:
        """A few bookings in the coming days, through the booking service like any other."""
        today = timezone.localdate(now)
        zone = timezone.get_current_timezone()
        for offset, hour, slug, therapist, name in DEMO_BOOKINGS:
            option = services[slug].options.order_by("duration_minutes").first()
            for day in (today + timedelta(days=offset + n) for n in range(14)):
                try:
                    book_appointment(
                        option=option,
                        start=datetime.combine(day, time.fromisoformat(hour), tzinfo=zone),
                        therapist=Therapist.objects.get(slug=therapist),
                        client=_client(name),
                        notify_client=False,
                        notify_clinic=False,
                        now=now,
                    )
                except BookingError:
                    continue  # that therapist is off that day: try the next
                break

    def _issue_demo_gift_certificate(self) -> None:
        """One paid $100 certificate, handed over at the desk (so nothing is emailed)."""
        if GiftCertificate.objects.exists():
            return
        certificate = purchase_gift_certificate(
            amount=Decimal("100"),
            buyer_name="Dana Miller",
            buyer_email="dana@example.com",
            recipient_name="Tom Becker",
            message="Happy birthday! Time to look after that back.",
            notify=False,
        )
        certificate = mark_gift_certificate_paid(certificate=certificate, notify=False)
        self.stdout.write(f"Demo gift certificate: {certificate.display_code} ($100).")
