"""The gift certificate ledger: the single write path for balances (issue, redeem, credit back,
adjust, void). Selling and delivery (sales.py) and Stripe (stripe_checkout.py) come through here.

Invariant 2: a balance changes only through a conditional UPDATE (`balance >= x` for a debit)
on a row this transaction has locked, with its ledger entry written in the same transaction, so
concurrent redemptions can never spend a balance twice or take it below zero, on PostgreSQL
(row lock) and on SQLite (BEGIN IMMEDIATE serialises writers). The CheckConstraint is the
backstop. The entries of a certificate always add up to its balance.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from booking.clock import dollars
from booking.exceptions import (
    GiftAlreadyApplied,
    GiftAmountChanged,
    GiftAmountInvalid,
    GiftBalanceTooLow,
    GiftCertificateError,
    GiftNotChangeable,
)
from booking.models import Appointment, GiftCertificate, GiftLedgerEntry, GiftSettings
from booking.models.gift_certificates import MIN_EXPIRY_YEARS
from booking.selectors import GiftTaken, find_usable_certificate, gift_taken_by

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999.99")
Kind = GiftLedgerEntry.Kind


def money(value) -> Decimal:
    """A positive amount in cents, or GiftAmountInvalid."""
    try:
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise ValueError(value)
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise GiftAmountInvalid("Please enter an amount in dollars, like 75.") from error
    if amount <= 0 or amount > MAX_AMOUNT:
        raise GiftAmountInvalid("Please enter an amount greater than zero.")
    return amount


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _locked(pk: int) -> GiftCertificate:
    return GiftCertificate.objects.select_for_update().get(pk=pk)


def _load_fields(certificate: GiftCertificate, now: datetime) -> dict[str, Any]:
    """Value added to a certificate is a new load (US CARD Act / Regulation E: funds may not
    expire sooner than 5 years after the last load): an expiry date moves to at least the
    owner's term from now, or the legal minimum if the owner no longer sets one."""
    if certificate.expires_at is None:
        return {}
    years = GiftSettings.current().expiry_years or MIN_EXPIRY_YEARS
    return {"expires_at": max(certificate.expires_at, add_years(now, years))}


def _change_balance(
    certificate: GiftCertificate,
    delta: Decimal,
    kind: str,
    *,
    now: datetime,
    appointment: Appointment | None = None,
    reason: str = "",
    by: User | None = None,
    **fields,
) -> GiftLedgerEntry:
    """The only place a balance changes: a conditional UPDATE and its ledger entry, together."""
    rows = GiftCertificate.objects.filter(pk=certificate.pk)
    if delta < 0:
        rows = rows.filter(balance__gte=-delta)
    if not rows.update(balance=F("balance") + delta, **fields):
        raise GiftBalanceTooLow()
    balance = GiftCertificate.objects.values_list("balance", flat=True).get(pk=certificate.pk)
    entry = GiftLedgerEntry(
        certificate=certificate,
        kind=kind,
        amount=delta,
        balance_after=balance,
        appointment=appointment,
        reason=reason[:500],
        by=by if by is not None and by.pk else None,
        created_at=now,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:  # the unique (certificate, booking, kind) backstop
        raise GiftAlreadyApplied() from error
    certificate.balance = balance
    for name, value in fields.items():
        setattr(certificate, name, value)
    return entry


@transaction.atomic
def issue_gift_balance(
    *,
    certificate: GiftCertificate,
    now: datetime,
    by: User | None = None,
    reason: str = "",
) -> GiftCertificate | None:
    """Pending -> active with its full amount as balance, and its expiry from the owner's
    settings, once: the locked, issued certificate, or None when it was not pending."""
    certificate = _locked(certificate.pk)
    if certificate.status != GiftCertificate.Status.PENDING:
        return None
    years = GiftSettings.current().expiry_years
    _change_balance(
        certificate,
        certificate.amount,
        Kind.ISSUE,
        now=now,
        by=by,
        reason=reason,
        status=GiftCertificate.Status.ACTIVE,
        paid_at=now,
        expires_at=add_years(now, years) if years else None,
    )
    return certificate


@transaction.atomic
def redeem_gift_certificate(
    *,
    code: str,
    amount: Decimal,
    appointment: Appointment | None = None,
    by: User | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> GiftLedgerEntry:
    """Spends `amount` (a walk-in at the desk, or a booking): never more than the balance.
    For a booking it counts as paid by gift certificate (`gift_amount`, in this transaction),
    and never more than what is left of its price; a cancelled booking takes nothing."""
    now = now or timezone.now()
    amount = money(amount)
    booking = None
    if appointment is not None:
        # The booking before the certificate: cancelling locks in that order too.
        booking = Appointment.objects.select_for_update().get(pk=appointment.pk)
    certificate = find_usable_certificate(code, now, for_update=True)
    if booking is not None:
        if _taken_by(booking, certificate):
            raise GiftAlreadyApplied()
        _check_gift_part(booking, amount)
    entry = _change_balance(
        certificate, -amount, Kind.REDEEM, now=now, appointment=booking, by=by, reason=reason
    )
    if appointment is not None and booking is not None:
        appointment.gift_amount = _add_gift_part(booking, amount)
    return entry


def _check_gift_part(appointment: Appointment, amount: Decimal) -> None:
    """A gift certificate pays at most what is left of a booking's price."""
    if appointment.status == Appointment.Status.CANCELLED:
        raise GiftAmountInvalid("This booking was cancelled: there is nothing left to pay on it.")
    left = appointment.due_at_clinic
    if amount <= left:
        return
    price, paid = dollars(appointment.price), dollars(appointment.gift_amount)
    if not appointment.gift_amount:
        message = f"This booking costs {price}: a gift certificate can pay at most that, "
    elif left <= 0:
        message = f"This booking's {price} is already paid by gift certificate: nothing more, "
    else:
        message = (
            f"This booking costs {price}, of which {paid} is already paid by gift certificate: "
            f"at most {dollars(left)} more, "
        )
    raise GiftAmountInvalid(f"{message}not {dollars(amount)}.")


def _add_gift_part(appointment: Appointment, amount: Decimal) -> Decimal:
    """What the booking shows as paid by gift certificate grows with what was just taken; the
    booking's row is locked by the caller. Returns the new `gift_amount`."""
    Appointment.objects.filter(pk=appointment.pk).update(gift_amount=F("gift_amount") + amount)
    appointment.gift_amount += amount
    return appointment.gift_amount


def _taken_by(appointment: Appointment, certificate: GiftCertificate | None = None) -> bool:
    entries = GiftLedgerEntry.objects.filter(appointment=appointment, kind=Kind.REDEEM)
    if certificate is not None:
        entries = entries.filter(certificate=certificate)
    return entries.exists()


@transaction.atomic
def redeem_for_appointment(
    *,
    code: str,
    appointment: Appointment,
    by: User | None = None,
    now: datetime | None = None,
    shown: Decimal | None = None,
) -> Decimal:
    """Applies a certificate to a booking: the smaller of its balance and the price; the rest is
    due at the clinic. One certificate per booking. With `shown` (what the client's review said
    it pays), any other amount raises GiftAmountChanged: read under the row lock, so a redemption
    that committed meanwhile is seen, and the caller's booking is rolled back with it."""
    now = now or timezone.now()
    certificate = find_usable_certificate(code, now, for_update=True)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if _taken_by(appointment):
        raise GiftAlreadyApplied()
    applied = min(certificate.balance, appointment.price - appointment.gift_amount)
    if certificate.balance <= 0:
        raise GiftBalanceTooLow("This gift certificate has no balance left.")
    if shown is not None and applied != shown:
        raise GiftAmountChanged(shown=shown, applied=applied)
    if applied <= 0:
        return Decimal("0.00")
    _change_balance(certificate, -applied, Kind.REDEEM, now=now, appointment=appointment, by=by)
    _add_gift_part(appointment, applied)
    return applied


@dataclass(frozen=True)
class GiftCreditBack:
    """What cancelling a booking gave back to its certificates, and what it could not (on a
    certificate that no longer `takes_credit_back`): staff settle that part with the client."""

    credited: Decimal
    not_returned: tuple[GiftTaken, ...] = ()


@transaction.atomic
def credit_back_for(
    *, appointment: Appointment, by: User | None = None, now: datetime | None = None
) -> GiftCreditBack:
    """A cancelled booking gives back what it took from each certificate, once. An expired
    certificate takes it back as a new load (its expiry moves, as for an adjustment); a void
    one takes nothing, and the amount is reported as not returned: it stays visible as what
    the booking took (`gift_taken_by`), never silently lost on a certificate no one can use."""
    now = now or timezone.now()
    credited = Decimal("0.00")
    not_returned = []
    for taken in gift_taken_by(appointment):
        certificate = _locked(taken.certificate.pk)
        if not certificate.takes_credit_back:
            not_returned.append(GiftTaken(certificate=certificate, amount=taken.amount))
            continue
        _change_balance(
            certificate,
            taken.amount,
            Kind.CREDIT,
            now=now,
            appointment=appointment,
            by=by,
            reason="Booking cancelled",
            **_load_fields(certificate, now),
        )
        credited += taken.amount
    return GiftCreditBack(credited=credited, not_returned=tuple(not_returned))


def _required_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise GiftCertificateError("Please give a reason: it is kept in the ledger.")
    return reason


@transaction.atomic
def adjust_gift_certificate(
    *,
    certificate: GiftCertificate,
    amount: Decimal,
    reason: str,
    by: User | None = None,
    now: datetime | None = None,
) -> GiftLedgerEntry:
    """A correction by staff, up or down, with a reason; never below zero. Adding value is a
    new load (`_load_fields`): an expiry date moves to at least the minimum term from now."""
    now = now or timezone.now()
    reason = _required_reason(reason)
    try:
        amount = Decimal(str(amount)).quantize(CENT)
    except (InvalidOperation, ValueError) as error:
        raise GiftAmountInvalid("Please enter an amount in dollars, like -10 or 25.") from error
    if not amount or not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise GiftAmountInvalid("Please enter an amount other than zero.")
    certificate = _locked(certificate.pk)
    if certificate.status != GiftCertificate.Status.ACTIVE:
        raise GiftNotChangeable("Only an active certificate can be adjusted.")
    fields = _load_fields(certificate, now) if amount > 0 else {}
    return _change_balance(
        certificate, amount, Kind.ADJUST, now=now, reason=reason, by=by, **fields
    )


@transaction.atomic
def void_gift_certificate(
    *,
    certificate: GiftCertificate,
    reason: str,
    by: User | None = None,
    now: datetime | None = None,
) -> GiftLedgerEntry:
    """Takes a certificate out of use (refunded, sold in error): its balance goes to zero."""
    now = now or timezone.now()
    reason = _required_reason(reason)
    certificate = _locked(certificate.pk)
    if certificate.status == GiftCertificate.Status.VOID:
        raise GiftNotChangeable("This certificate is already void.")
    return _change_balance(
        certificate,
        -certificate.balance,
        Kind.VOID,
        now=now,
        reason=reason,
        by=by,
        status=GiftCertificate.Status.VOID,
        void_reason=reason[:500],
    )
