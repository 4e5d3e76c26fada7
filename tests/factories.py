"""One factory per model, with deterministic values."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from booking.models import (
    Appointment,
    Client,
    ClinicClosure,
    GiftCertificate,
    Service,
    ServiceOption,
    Therapist,
    TimeOff,
    WorkingHours,
)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    summary = "A massage that helps."
    helps_with = "Stiffness\nKnots"
    guide_advice = "What the guide says."


class ServiceOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOption

    service = factory.SubFactory(ServiceFactory)
    duration_minutes = 60
    price = Decimal("90.00")


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Therapist Number{n}")
    slug = factory.Sequence(lambda n: f"therapist-{n}")
    bio = "Listens first."
    specialties = "Deep tissue\nPosture"

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    therapist = factory.SubFactory(TherapistFactory)
    weekday = 0
    starts = time(9, 0)
    ends = time(17, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    therapist = factory.SubFactory(TherapistFactory)
    reason = "Course"


class ClinicClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicClosure

    name = "Holiday"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    phone = "717-555-0100"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment written directly (past the booking service): for setting up a schedule."""

    class Meta:
        model = Appointment

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SubFactory(TherapistFactory)
    option = factory.SubFactory(ServiceOptionFactory)
    price = factory.LazyAttribute(lambda a: a.option.price)
    start = factory.LazyFunction(lambda: at("2026-03-10 10:00"))
    end = factory.LazyAttribute(lambda a: a.start + timedelta(minutes=a.option.duration_minutes))
    blocked_until = factory.LazyAttribute(lambda a: a.end + timedelta(minutes=15))


def at(text: str) -> datetime:
    """An aware datetime on the clinic's wall clock: at("2026-03-10 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.get_current_timezone())


def week_of_hours(therapist: Therapist, intervals: list[tuple[str, str]], days=range(7)) -> None:
    """Give a therapist the same working intervals on each of the given weekdays."""
    WorkingHours.objects.bulk_create(
        WorkingHours(
            therapist=therapist,
            weekday=day,
            starts=time.fromisoformat(starts),
            ends=time.fromisoformat(ends),
        )
        for day in days
        for starts, ends in intervals
    )


class GiftCertificateFactory(factory.django.DjangoModelFactory):
    """A certificate written directly, waiting for payment (issue it with the services)."""

    class Meta:
        model = GiftCertificate

    amount = Decimal("100.00")
    buyer_name = "Bea Buyer"
    buyer_email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    recipient_name = "Rita Recipient"
    recipient_email = factory.Sequence(lambda n: f"recipient{n}@example.com")


def staff_user(username: str = "desk", role: str | None = None):
    """A back-office login (found or made), in the named role's group when one is given."""
    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
