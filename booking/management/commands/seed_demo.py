"""The demo clinic: the guide's four services, three therapists with working hours, a few
appointments in the coming days, a paid gift certificate, and an owner account.

Idempotent: records are found by slug or username and left alone when they exist, so running it
twice (or after the owner has edited the demo) changes nothing.
"""

import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from booking.exceptions import BookingError
from booking.models import (
    Appointment,
    GiftCertificate,
    Service,
    ServiceOption,
    Therapist,
    WorkingHours,
)
from booking.services.appointments import book_appointment
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


class Command(BaseCommand):
    help = "Load the demo clinic (services, therapists, an owner account). Safe to run twice."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
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

        for order, spec in enumerate(THERAPISTS):
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

        self._book_demo_appointments(services)
        self._issue_demo_gift_certificate()
        self._create_owner()
        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))

    def _book_demo_appointments(self, services: dict[str, Service]) -> None:
        """A few bookings in the coming days, through the booking service like any other."""
        if Appointment.objects.exists():
            return
        today = timezone.localdate()
        zone = timezone.get_current_timezone()
        for offset, hour, slug, therapist, name in DEMO_BOOKINGS:
            option = services[slug].options.order_by("duration_minutes").first()
            client = ClientDetails(
                name=name, email=f"{name.split()[0].lower()}@example.com", phone="717-555-0199"
            )
            for day in (today + timedelta(days=offset + n) for n in range(14)):
                try:
                    book_appointment(
                        option=option,
                        start=datetime.combine(day, time.fromisoformat(hour), tzinfo=zone),
                        therapist=Therapist.objects.get(slug=therapist),
                        client=client,
                        notify_client=False,
                        notify_clinic=False,
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

    def _create_owner(self) -> None:
        User = get_user_model()
        if User.objects.filter(username="owner").exists():
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username="owner", email="owner@focusedcare.example", password=password
        )
        self.stdout.write(
            f"Owner account for /admin/: username 'owner', password '{password}' "
            "(shown once; change it in admin)."
        )
