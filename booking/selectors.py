"""Reads that span several booking models, shaped for the pages that show them."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from booking.clock import cents
from booking.exceptions import (
    GiftAlreadyApplied,
    GiftCertificateError,
    GiftCodeMalformed,
    GiftCodeNotUsable,
)
from booking.models import (
    Appointment,
    Clinic,
    GiftCertificate,
    GiftLedgerEntry,
    Service,
    ServiceOption,
    Therapist,
)
from booking.models.gift_certificates import is_well_formed, normalize_code
from booking.working_time import local_midnight
from focusedcare.cache import CATALOG, remembered


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
    """The clinic this site serves, with its opening hours: read once per catalog change (every
    page's header and footer show it). Shared between requests: read it, never change it."""
    return remembered("clinic", _read_clinic, CATALOG)


def _read_clinic() -> Clinic | None:
    clinic = Clinic.objects.prefetch_related("opening_hours").first()
    if clinic is not None:
        list(clinic.opening_hours.all())  # the prefetch runs now, not in the first template
    return clinic


def find_usable_certificate(
    code: str, now: datetime | None = None, *, for_update: bool = False
) -> GiftCertificate:
    """The active, unexpired certificate with this code, or a GiftCertificateError that says the
    same for unknown, unpaid, void and expired codes. `for_update` locks the row for the
    caller's own transaction: the ledger spends only what it found this way."""
    now = now or timezone.now()
    normalized = normalize_code(code)
    if not is_well_formed(normalized):
        raise GiftCodeMalformed()
    rows = GiftCertificate.objects.filter(code=normalized)
    certificate = (rows.select_for_update() if for_update else rows).first()
    if (
        certificate is None
        or certificate.status != GiftCertificate.Status.ACTIVE
        or (certificate.expires_at is not None and certificate.expires_at <= now)
    ):
        raise GiftCodeNotUsable()
    return certificate


@dataclass(frozen=True)
class GiftQuote:
    """What a gift certificate code typed at the review step would pay of the price."""

    due: Decimal
    typed: str = ""
    code: str = ""
    applied: Decimal = Decimal("0.00")
    certificate: GiftCertificate | None = None
    error: str = ""


def quote_gift_certificate(*, typed: list[str], price: Decimal) -> GiftQuote:
    """The certificate's share of a price, looked up but not spent: `book_appointment` spends it
    in the booking's own transaction (see the ledger's redeem_for_appointment: the same rule,
    the smaller of the balance and the price, the rest due at the clinic)."""
    if not typed:
        return GiftQuote(due=price)
    if len(typed) > 1:
        same = len({normalize_code(value) for value in typed}) == 1
        error = (
            GiftAlreadyApplied.message
            if same
            else "One gift certificate can be used per online booking; bring others to the clinic."
        )
        return GiftQuote(due=price, typed=typed[0], error=error)
    try:
        certificate = find_usable_certificate(typed[0])
    except GiftCertificateError as error:
        return GiftQuote(due=price, typed=typed[0], error=error.message)
    if certificate.balance <= 0:
        return GiftQuote(
            due=price, typed=typed[0], error="This gift certificate has no balance left."
        )
    applied = min(certificate.balance, price)
    return GiftQuote(
        due=price - applied,
        typed=typed[0],
        code=certificate.code,
        applied=applied,
        certificate=certificate,
    )


@dataclass(frozen=True)
class GiftLiability:
    """What the clinic owes on gift certificates: the spendable balances, plus what upcoming
    bookings took from certificates (`held`): paid with a gift, not yet given as a session."""

    balances: Decimal
    held: Decimal
    held_bookings: int

    @property
    def total(self) -> Decimal:
        return self.balances + self.held


def gift_liability(now: datetime | None = None) -> GiftLiability:
    """The owner's one definition of the gift liability, for the dashboard and the certificate
    list. Balances: active, unexpired certificates. Held: for each booking still booked whose
    start is ahead, what its ledger entries took and did not give back; cancelling credits it
    back to a balance, and once the session has started it is delivered, not owed. A held
    amount stays owed when its certificate expires or is voided later: the booking was paid."""
    now = now or timezone.now()
    balances = GiftCertificate.objects.outstanding(now).values_list("balance", flat=True)
    entries = GiftLedgerEntry.objects.filter(
        kind__in=[GiftLedgerEntry.Kind.REDEEM, GiftLedgerEntry.Kind.CREDIT],
        appointment__status=Appointment.Status.BOOKED,
        appointment__start__gt=now,
    ).values_list("appointment", "amount")
    held: dict[int, Decimal] = defaultdict(Decimal)
    for appointment_id, amount in entries:  # summed here: SQLite's SUM() is floating point
        held[appointment_id] -= amount
    holding = [amount for amount in held.values() if amount > 0]
    return GiftLiability(
        balances=sum(balances, Decimal("0.00")),
        held=sum(holding, Decimal("0.00")),
        held_bookings=len(holding),
    )


@dataclass(frozen=True)
class GiftTaken:
    """What one booking took from one certificate and has not given back."""

    certificate: GiftCertificate
    amount: Decimal


DESK_PAYMENT_DAYS = 7


def bookings_to_pay(today: date, days: int = DESK_PAYMENT_DAYS) -> QuerySet[Appointment]:
    """Bookings from `days` before `today` to `days` after, not cancelled, with part of their
    price still to pay: the ones the desk may put a gift certificate towards, soonest first."""
    return (
        Appointment.objects.exclude(status=Appointment.Status.CANCELLED)
        .filter(
            start__gte=local_midnight(today - timedelta(days=days)),
            start__lt=local_midnight(today + timedelta(days=days + 1)),
            price__gt=F("gift_amount"),
        )
        .select_related("client", "option__service", "therapist")
        .order_by("start", "pk")
    )


def gift_taken_by(appointment: Appointment) -> list[GiftTaken]:
    """Per certificate, what a booking's redemptions took less what was credited back, in one
    query. For a booking still booked that is what it holds; once cancelled, what could not be
    credited back (a certificate that `takes_credit_back` no longer: a void one)."""
    entries = GiftLedgerEntry.objects.filter(
        appointment=appointment, kind__in=[GiftLedgerEntry.Kind.REDEEM, GiftLedgerEntry.Kind.CREDIT]
    ).select_related("certificate")
    certificates: dict[int, GiftCertificate] = {}
    taken: dict[int, Decimal] = defaultdict(Decimal)
    for entry in entries:  # summed here: SQLite's SUM() is floating point
        certificates[entry.certificate_id] = entry.certificate
        taken[entry.certificate_id] -= entry.amount
    return [
        GiftTaken(certificate=certificates[pk], amount=amount)
        for pk, amount in sorted(taken.items())
        if amount > 0
    ]


def gift_not_credited_back(appointment: Appointment) -> Decimal:
    """For a cancelled booking, what it took from gift certificates that cancelling could not
    credit back (void certificates): staff settle it with the client. No query otherwise."""
    if appointment.status != Appointment.Status.CANCELLED or not appointment.gift_amount:
        return Decimal("0.00")
    return sum((taken.amount for taken in gift_taken_by(appointment)), Decimal("0.00"))


# A certificate voided after it was paid (refunded, sold in error) is no sale: sales figures
# leave it out and show it apart, so they agree with what the clinic kept.
VOIDED = Q(status=GiftCertificate.Status.VOID)


@dataclass(frozen=True)
class GiftSales:
    """Certificates paid in a period: those still standing as sales, and those voided since."""

    count: int
    total: Decimal
    voided_count: int
    voided_total: Decimal


def gift_sales(start: datetime, end: datetime) -> GiftSales:
    """Certificates paid from `start` to before `end`, in one query: sold (not voided since,
    whatever was spent of them) and voided since, at the amount each was bought for."""
    figures = GiftCertificate.objects.filter(paid_at__gte=start, paid_at__lt=end).aggregate(
        count=Count("pk", filter=~VOIDED),
        total=Sum("amount", filter=~VOIDED),
        voided_count=Count("pk", filter=VOIDED),
        voided_total=Sum("amount", filter=VOIDED),
    )
    return GiftSales(
        count=figures["count"],
        total=cents(figures["total"]),
        voided_count=figures["voided_count"],
        voided_total=cents(figures["voided_total"]),
    )


def gift_sales_by_month(months: int = 12) -> list[dict[str, Any]]:
    """Certificates paid per month (clinic time), newest first: month, count and total of those
    still sold, and of those voided since (not sales)."""
    rows = [
        dict(row)
        for row in GiftCertificate.objects.filter(paid_at__isnull=False)
        .annotate(month=TruncMonth("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(
            count=Count("pk", filter=~VOIDED),
            total=Sum("amount", filter=~VOIDED),
            voided_count=Count("pk", filter=VOIDED),
            voided_total=Sum("amount", filter=VOIDED),
        )
        .order_by("-month")[:months]
    ]
    for row in rows:
        row["total"], row["voided_total"] = cents(row["total"]), cents(row["voided_total"])
    return rows


REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def booked_by_form(request_key: str | None) -> Appointment | None:
    """The booking a form's one-time key already made, if any (a form sent twice). Anything
    that is not such a key (empty, NUL, too long) names no booking."""
    if not request_key or not REQUEST_KEY.fullmatch(request_key):
        return None
    return Appointment.objects.filter(request_key=request_key).first()
