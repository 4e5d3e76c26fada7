"""Reads that span several booking models, shaped for the pages that show them."""

from django.db.models import Prefetch, QuerySet

from booking.models import Clinic, Service, ServiceOption, Therapist


def bookable_services() -> QuerySet[Service]:
    """Offered services with their offered options and active therapists: three queries in all."""
    return Service.objects.active().prefetch_related(
        Prefetch("options", queryset=ServiceOption.objects.filter(is_active=True)),
        Prefetch("therapists", queryset=Therapist.objects.active()),
    )


def active_therapists() -> QuerySet[Therapist]:
    """Therapists taking bookings with the services they offer: two queries in all."""
    return Therapist.objects.active().prefetch_related(
        Prefetch("services", queryset=Service.objects.active())
    )


def current_clinic() -> Clinic | None:
    """The clinic this site serves, with its opening hours."""
    return Clinic.objects.prefetch_related("opening_hours").first()
