"""Paying for a gift certificate online: the Stripe Checkout session, and applying Stripe's
webhook events once each, whatever their order or number of deliveries."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from booking.clock import dollars
from booking.exceptions import GiftCertificateError
from booking.models import GiftCertificate, ProcessedStripeEvent
from booking.services.gift_certificates.sales import issue_gift_certificate

logger = logging.getLogger(__name__)


class StripeEventRejected(GiftCertificateError):
    """A signed event that cannot be applied yet: answered 400 so Stripe delivers it again."""


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


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
    name = f"Gift certificate: {certificate.description or dollars(certificate.amount)}"
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
    if not session.url:  # only embedded sessions lack one, and this site never asks for those
        raise GiftCertificateError("Stripe did not return a payment page.")
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
        issued = issue_gift_certificate(
            certificate=certificate, now=now, reason=f"Paid online ({session.get('id')})"
        )
        outcome = "issued" if issued else "already issued"
    ProcessedStripeEvent.objects.filter(pk=event_id).update(outcome=outcome)
    return outcome
