"""Selling, issuing, spending and correcting gift certificates: the one path for the public site,
the Stripe webhook, the booking flow, the admin and the email worker.

Invariant 2: a balance changes only through a conditional UPDATE (`balance >= x` for a debit)
on a row this transaction has locked, with its ledger entry written in the same transaction, so
concurrent redemptions can never spend a balance twice or take it below zero, on PostgreSQL
(row lock) and on SQLite (BEGIN IMMEDIATE serialises writers). The CheckConstraint is the
backstop. The entries of a certificate always add up to its balance.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from booking.exceptions import (
    GiftAlreadyApplied,
    GiftAmountInvalid,
    GiftBalanceTooLow,
    GiftCertificateError,
    GiftCodeMalformed,
    GiftCodeNotUsable,
    GiftNotChangeable,
)
from booking.models import (
    Appointment,
    GiftCertificate,
    GiftLedgerEntry,
    GiftSettings,
    ProcessedStripeEvent,
    ServiceOption,
)
from booking.models.gift_certificates import is_well_formed, normalize_code
from booking.services.emails import enqueue_gift_email

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999.99")
Kind = GiftLedgerEntry.Kind


class StripeEventRejected(GiftCertificateError):
    """A signed event that cannot be applied yet: answered 400 so Stripe delivers it again."""


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


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


def check_gift_amount(amount: Decimal, gift_settings: GiftSettings | None = None) -> Decimal:
    """One of the owner's preset amounts, or a custom amount within the owner's limits."""
    gift_settings = gift_settings or GiftSettings.current()
    amount = money(amount)
    if amount in gift_settings.presets:
        return amount
    low, high = gift_settings.min_amount, gift_settings.max_amount
    if not low <= amount <= high:
        raise GiftAmountInvalid(f"Please choose an amount from ${low:,.2f} to ${high:,.2f}.")
    return amount


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


@transaction.atomic
def purchase_gift_certificate(
    *,
    buyer_name: str,
    buyer_email: str,
    amount: Decimal | None = None,
    option: ServiceOption | None = None,
    recipient_name: str = "",
    recipient_email: str = "",
    message: str = "",
    deliver_on: date | None = None,
    payment: str = GiftCertificate.Payment.CLINIC,
    notify: bool = True,
    now: datetime | None = None,
) -> GiftCertificate:
    """A certificate waiting for payment: an amount, or a service at today's price. It is issued
    (given a balance and sent) only once paid: by Stripe's webhook or by staff in admin."""
    now = now or timezone.now()
    if (amount is None) == (option is None):
        raise GiftAmountInvalid("Please choose an amount or a service.")
    description = ""
    if option is not None:
        option = ServiceOption.objects.select_related("service").filter(pk=option.pk).first()
        if option is None or not (option.is_active and option.service.is_active):
            raise GiftAmountInvalid("That service can't be given as a gift any more.")
        amount = money(option.price)
        description = f"{option.service.name}, {option.duration_minutes} minutes"
    else:
        amount = check_gift_amount(amount)
    if deliver_on is not None and deliver_on < timezone.localdate(now):
        raise GiftCertificateError("The delivery date can't be in the past.")
    if deliver_on is not None and deliver_on <= timezone.localdate(now):
        deliver_on = None  # today means now
    certificate = GiftCertificate(
        amount=amount,
        option=option,
        description=description,
        buyer_name=" ".join(buyer_name.split()),
        buyer_email=buyer_email.strip(),
        recipient_name=" ".join(recipient_name.split()),
        recipient_email=recipient_email.strip(),
        message=message.strip(),
        deliver_on=deliver_on,
        payment=payment,
        created_at=now,
    )
    try:
        certificate.full_clean()
    except ValidationError as error:
        raise GiftCertificateError(" ".join(error.messages)) from error
    for _ in range(5):  # a clash of 80 random bits is all but impossible; never a 500 anyway
        try:
            with transaction.atomic():
                certificate.save()
            break
        except IntegrityError:
            certificate.code = GiftCertificate._meta.get_field("code").default()
            certificate.token = GiftCertificate._meta.get_field("token").default()
    else:
        raise GiftCertificateError("Please try again.")
    if notify and payment == GiftCertificate.Payment.CLINIC:
        enqueue_gift_email(certificate, "gift_order")
    return certificate


def _locked(pk: int) -> GiftCertificate:
    return GiftCertificate.objects.select_for_update().get(pk=pk)


def _change_balance(
    certificate: GiftCertificate,
    delta: Decimal,
    kind: str,
    *,
    now: datetime,
    appointment: Appointment | None = None,
    reason: str = "",
    by: AbstractBaseUser | None = None,
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


def _issue(
    certificate: GiftCertificate,
    *,
    now: datetime,
    by=None,
    reason: str = "",
    notify: bool = True,
) -> bool:
    """Pending -> active with its full balance, once. False when it was not pending. Without
    `notify` nothing is emailed and it counts as handed over (a desk sale, the demo)."""
    certificate = _locked(certificate.pk)
    if certificate.status != GiftCertificate.Status.PENDING:
        return False
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
    if not notify:
        GiftCertificate.objects.filter(pk=certificate.pk).update(delivered_at=now)
        return True
    enqueue_gift_email(certificate, "gift_receipt")
    if certificate.deliver_on is None or certificate.deliver_on <= timezone.localdate(now):
        _deliver(certificate, now)
    return True


def _deliver(certificate: GiftCertificate, now: datetime) -> bool:
    claimed = GiftCertificate.objects.filter(
        pk=certificate.pk, status=GiftCertificate.Status.ACTIVE, delivered_at__isnull=True
    ).update(delivered_at=now)
    if claimed:
        certificate.delivered_at = now
        enqueue_gift_email(certificate, "gift_certificate")
    return bool(claimed)


@transaction.atomic
def mark_gift_certificate_paid(
    *,
    certificate: GiftCertificate,
    by: AbstractBaseUser | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> GiftCertificate:
    """Staff took the payment at the clinic: the certificate is issued and sent."""
    now = now or timezone.now()
    if not _issue(certificate, now=now, by=by, reason="Paid at the clinic", notify=notify):
        raise GiftNotChangeable("Only a certificate waiting for payment can be marked paid.")
    return GiftCertificate.objects.get(pk=certificate.pk)


def start_stripe_checkout(
    *, certificate: GiftCertificate, success_url: str, cancel_url: str
) -> str:
    """Creates a Stripe Checkout session and returns its address. Called outside any
    transaction: nothing waits on Stripe while holding a lock."""
    import stripe

    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=1,
    )
    name = f"Gift certificate: {certificate.description or f'${certificate.amount}'}"
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "client_reference_id": f"gift-{certificate.pk}",
            "customer_email": certificate.buyer_email,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": int(certificate.amount * 100),
                        "product_data": {"name": name},
                    },
                }
            ],
            "metadata": {"gift_certificate": str(certificate.pk)},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
    )
    GiftCertificate.objects.filter(pk=certificate.pk, stripe_session_id__isnull=True).update(
        stripe_session_id=session.id
    )
    return session.url


@transaction.atomic
def abandon_gift_order(*, certificate: GiftCertificate) -> None:
    """Removes an order whose online payment could not even start: nothing was issued, paid or
    sent for it, so no half-made order is left behind."""
    GiftCertificate.objects.filter(
        pk=certificate.pk, status=GiftCertificate.Status.PENDING, stripe_session_id__isnull=True
    ).exclude(ledger__isnull=False).delete()


def _certificate_for_session(session: dict) -> GiftCertificate | None:
    reference = str(session.get("client_reference_id") or "")
    by_session = GiftCertificate.objects.filter(stripe_session_id=session.get("id")).first()
    if by_session is not None:
        return by_session
    if reference.startswith("gift-") and reference[5:].isdigit():
        # The session id is saved just after Stripe answers; the reference is there from the
        # start, so a payment that beats that save is still found.
        return GiftCertificate.objects.filter(
            Q(stripe_session_id__isnull=True) | Q(stripe_session_id=session.get("id")),
            pk=int(reference[5:]),
            payment=GiftCertificate.Payment.STRIPE,
        ).first()
    return None


PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
PAID_STATUSES = {"paid", "no_payment_required"}


@transaction.atomic
def apply_stripe_event(*, event_id: str, event_type: str, session: dict, now=None) -> str:
    """Applies a verified Stripe event once, whatever the order or number of deliveries.

    The event id is recorded in the same transaction as its effect; a second delivery finds it
    and changes nothing (on PostgreSQL a concurrent one waits on the id's unique index). A
    payment for a session we cannot match raises StripeEventRejected and records nothing, so
    Stripe's retry can apply it later. Issuing is itself idempotent (pending -> active once), so
    "completed" and "async_payment_succeeded" for one session issue it once in either order.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            ProcessedStripeEvent.objects.create(event_id=event_id, kind=event_type[:100])
    except IntegrityError:
        return "duplicate"
    outcome = "ignored"
    paid = event_type in PAID_EVENTS and session.get("payment_status") in PAID_STATUSES
    if paid:
        certificate = _certificate_for_session(session)
        if certificate is None:
            raise StripeEventRejected("No gift certificate matches this checkout session.")
        expected = int(certificate.amount * 100)
        if session.get("amount_total") != expected or session.get("currency") != "usd":
            logger.error("Stripe session %s paid an unexpected amount", session.get("id"))
            raise StripeEventRejected("The amount paid does not match the certificate.")
        if certificate.stripe_session_id is None:
            GiftCertificate.objects.filter(pk=certificate.pk).update(
                stripe_session_id=session.get("id")
            )
        issued = _issue(certificate, now=now, reason=f"Paid online ({session.get('id')})")
        outcome = "issued" if issued else "already issued"
    ProcessedStripeEvent.objects.filter(pk=event_id).update(outcome=outcome)
    return outcome


def _usable(code: str, now: datetime, *, lock: bool) -> GiftCertificate:
    normalized = normalize_code(code)
    if not is_well_formed(normalized):
        raise GiftCodeMalformed()
    rows = GiftCertificate.objects.filter(code=normalized)
    certificate = (rows.select_for_update() if lock else rows).first()
    if (
        certificate is None
        or certificate.status != GiftCertificate.Status.ACTIVE
        or (certificate.expires_at is not None and certificate.expires_at <= now)
    ):
        raise GiftCodeNotUsable()
    return certificate


def find_usable_certificate(code: str, now: datetime | None = None) -> GiftCertificate:
    """Read only: the active, unexpired certificate with this code, or a GiftCertificateError
    that says the same for unknown, unpaid, void and expired codes."""
    return _usable(code, now or timezone.now(), lock=False)


@transaction.atomic
def redeem_gift_certificate(
    *,
    code: str,
    amount: Decimal,
    appointment: Appointment | None = None,
    by: AbstractBaseUser | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> GiftLedgerEntry:
    """Spends `amount` (a walk-in at the desk, or a booking): never more than the balance."""
    now = now or timezone.now()
    amount = money(amount)
    certificate = _usable(code, now, lock=True)
    if appointment is not None and _taken_by(appointment, certificate):
        raise GiftAlreadyApplied()
    return _change_balance(
        certificate, -amount, Kind.REDEEM, now=now, appointment=appointment, by=by, reason=reason
    )


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
    by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> Decimal:
    """Applies a certificate to a booking: the smaller of its balance and the price; the rest is
    due at the clinic. One certificate per booking."""
    now = now or timezone.now()
    certificate = _usable(code, now, lock=True)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if _taken_by(appointment):
        raise GiftAlreadyApplied()
    applied = min(certificate.balance, appointment.price - appointment.gift_amount)
    if certificate.balance <= 0:
        raise GiftBalanceTooLow("This gift certificate has no balance left.")
    if applied <= 0:
        return Decimal("0.00")
    _change_balance(certificate, -applied, Kind.REDEEM, now=now, appointment=appointment, by=by)
    Appointment.objects.filter(pk=appointment.pk).update(gift_amount=F("gift_amount") + applied)
    return applied


@transaction.atomic
def credit_back_for(
    *, appointment: Appointment, by: AbstractBaseUser | None = None, now: datetime | None = None
) -> Decimal:
    """A cancelled booking gives back what it took from each certificate, once."""
    now = now or timezone.now()
    entries = GiftLedgerEntry.objects.filter(
        appointment=appointment, kind__in=[Kind.REDEEM, Kind.CREDIT]
    ).values_list("certificate", "amount")
    owed_to: dict[int, Decimal] = defaultdict(Decimal)
    for certificate_id, amount in entries:  # summed here: SQLite's SUM() is floating point
        owed_to[certificate_id] -= amount
    total = Decimal("0.00")
    for certificate_id, owed in sorted(owed_to.items()):
        if owed <= 0:
            continue
        certificate = _locked(certificate_id)
        _change_balance(
            certificate,
            owed,
            Kind.CREDIT,
            now=now,
            appointment=appointment,
            by=by,
            reason="Booking cancelled",
        )
        total += owed
    return total


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
    by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> GiftLedgerEntry:
    """A correction by staff, up or down, with a reason; never below zero. Adding value is a
    new load: an expiry date moves to at least the minimum term from now."""
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
    fields = {}
    years = GiftSettings.current().expiry_years
    if amount > 0 and certificate.expires_at is not None and years:
        fields["expires_at"] = max(certificate.expires_at, add_years(now, years))
    return _change_balance(
        certificate, amount, Kind.ADJUST, now=now, reason=reason, by=by, **fields
    )


@transaction.atomic
def void_gift_certificate(
    *,
    certificate: GiftCertificate,
    reason: str,
    by: AbstractBaseUser | None = None,
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


@transaction.atomic
def resend_gift_certificate(*, certificate: GiftCertificate, now: datetime | None = None) -> None:
    """Sends the certificate again now (to the recipient, or to the buyer to print)."""
    now = now or timezone.now()
    certificate = _locked(certificate.pk)
    if certificate.status != GiftCertificate.Status.ACTIVE:
        raise GiftNotChangeable("Only an active certificate can be sent.")
    if not _deliver(certificate, now):
        enqueue_gift_email(certificate, "gift_certificate")


def deliver_due_gift_certificates(now: datetime | None = None) -> int:
    """Sends each paid certificate on its delivery day (clinic time), exactly once: the row is
    claimed before its email is written, so two workers never send it twice."""
    now = now or timezone.now()
    due = GiftCertificate.objects.filter(
        Q(deliver_on__isnull=True) | Q(deliver_on__lte=timezone.localdate(now)),
        status=GiftCertificate.Status.ACTIVE,
        delivered_at__isnull=True,
    )
    sent = 0
    for certificate in due:
        with transaction.atomic():
            sent += _deliver(certificate, now)
    return sent


@dataclass(frozen=True)
class GiftQuote:
    """What a gift certificate code typed at the review step would pay of the price."""

    due: Decimal
    typed: str = ""
    code: str = ""
    applied: Decimal = Decimal("0.00")
    certificate: GiftCertificate | None = None
    error: str = ""


TOO_MANY_TRIES = (
    "Too many gift certificate codes were tried from your connection. Please wait a while, "
    "book without the code, or call the clinic."
)


def quote_gift_certificate(*, typed: list[str], price: Decimal) -> GiftQuote:
    """The certificate's share of a price, looked up but not spent: `book_appointment` spends it
    in the booking's own transaction (see redeem_for_appointment, which applies the same rule:
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
