"""Selling gift certificates: the order (an amount or a service, paid at the clinic or online),
issuing it once paid, and sending it to the recipient or the buyer on its day. Balances change
only through the ledger (ledger.py)."""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from booking.clock import dollars
from booking.exceptions import GiftAmountInvalid, GiftCertificateError, GiftNotChangeable
from booking.models import GiftCertificate, GiftSettings, ServiceOption
from booking.services.emails import enqueue_gift_email, enqueue_gift_order_notice
from booking.services.gift_certificates.ledger import issue_gift_balance, money


def check_gift_amount(amount: Decimal, gift_settings: GiftSettings | None = None) -> Decimal:
    """One of the owner's preset amounts, or a custom amount within the owner's limits."""
    gift_settings = gift_settings or GiftSettings.current()
    amount = money(amount)
    if amount in gift_settings.presets:
        return amount
    low, high = gift_settings.min_amount, gift_settings.max_amount
    if not low <= amount <= high:
        raise GiftAmountInvalid(f"Please choose an amount from {dollars(low)} to {dollars(high)}.")
    return amount


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
    (given a balance and sent) only once paid: by Stripe's webhook or by staff in admin. An
    order to pay at the clinic tells the buyer how to pay and the clinic to expect it, unless
    `notify` is off (a sale at the desk, the demo)."""
    now = now or timezone.now()
    if amount is not None and option is not None:
        raise GiftAmountInvalid("Please choose an amount or a service.")
    description = ""
    if option is not None:
        option = ServiceOption.objects.select_related("service").filter(pk=option.pk).first()
        if option is None or not (option.is_active and option.service.is_active):
            raise GiftAmountInvalid("That service can't be given as a gift any more.")
        amount = money(option.price)
        description = f"{option.service.name}, {option.duration_minutes} minutes"
    elif amount is not None:
        amount = check_gift_amount(amount)
    else:
        raise GiftAmountInvalid("Please choose an amount or a service.")
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
        enqueue_gift_order_notice(certificate)
    return certificate


@transaction.atomic
def issue_gift_certificate(
    *,
    certificate: GiftCertificate,
    now: datetime,
    by: User | None = None,
    reason: str = "",
    notify: bool = True,
) -> bool:
    """Pending -> active with its full balance, once. False when it was not pending. Without
    `notify` nothing is emailed and it counts as handed over (a desk sale, the demo)."""
    issued = issue_gift_balance(certificate=certificate, now=now, by=by, reason=reason)
    if issued is None:
        return False
    certificate = issued
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
    by: User | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> GiftCertificate:
    """Staff took the payment at the clinic: the certificate is issued and sent."""
    now = now or timezone.now()
    issued = issue_gift_certificate(
        certificate=certificate, now=now, by=by, reason="Paid at the clinic", notify=notify
    )
    if not issued:
        raise GiftNotChangeable("Only a certificate waiting for payment can be marked paid.")
    return GiftCertificate.objects.get(pk=certificate.pk)


@transaction.atomic
def resend_gift_certificate(*, certificate: GiftCertificate, now: datetime | None = None) -> None:
    """Sends the certificate again now (to the recipient, or to the buyer to print)."""
    now = now or timezone.now()
    certificate = GiftCertificate.objects.select_for_update().get(pk=certificate.pk)
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
