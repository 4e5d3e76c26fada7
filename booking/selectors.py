"""Reads that span several booking models, shaped for the pages that show them."""

from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from booking.models import Clinic, GiftCertificate, Service, ServiceOption, Therapist


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


def gift_liability(now=None) -> Decimal:
    """What the clinic owes on gift certificates: the balances of those still spendable."""
    balances = GiftCertificate.objects.outstanding(now).values_list("balance", flat=True)
    return sum(balances, Decimal("0.00"))  # in Python: SQLite's SUM() is floating point


def gift_sales_by_month(months: int = 12) -> list[dict]:
    """Certificates paid per month (clinic time), newest first: month, count, total."""
    rows = list(
        GiftCertificate.objects.filter(paid_at__isnull=False)
        .annotate(month=TruncMonth("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-month")[:months]
    )
    for row in rows:  # SQLite's SUM() is floating point: back to cents
        row["total"] = Decimal(str(row["total"])).quantize(Decimal("0.01"))
    return rows
