"""The clinic's notice of a gift certificate ordered to be paid at the desk, read back from a real
SMTP server: who ordered what, and where to find it in the back office; never the code."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from booking.models import (
    Clinic,
    GiftCertificate,
    GiftLedgerEntry,
    OutboundEmail,
    ServiceOption,
)
from booking.services.emails import send_pending_emails
from booking.services.gift_certificates.sales import purchase_gift_certificate
from tests.booking.test_views_gift import ORDER, stripe_api  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

CLINIC = "hello@focusedcare.example"


@pytest.fixture
def demo(demo):
    """The demo clinic without its demo gift certificate: each test counts its own."""
    GiftLedgerEntry.objects.all().delete()
    GiftCertificate.objects.all().delete()
    cache.clear()


def bodies(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def carries_no_code(message, certificate: GiftCertificate) -> bool:
    whole = " ".join([message["Subject"], *bodies(message)])
    return not any(
        secret in whole
        for secret in (certificate.code, certificate.display_code, certificate.token)
    )


def test_an_order_to_pay_at_the_clinic_emails_the_clinic_who_ordered_what_and_its_admin_page(
    client, admin_client, demo, smtp_server
):
    deliver_on = timezone.localdate() + timedelta(days=10)
    order = {**ORDER, "deliver": "later", "deliver_on": deliver_on.isoformat()}

    response = client.post("/gift-certificates/", order)
    assert response.status_code == 302
    send_pending_emails()

    certificate = GiftCertificate.objects.get()
    assert certificate.payment == "clinic" and certificate.status == "pending"
    (notice,) = smtp_server.to(CLINIC)
    text, html = bodies(notice)
    assert notice["Subject"] == "Gift certificate to pay at the desk: Bea Buyer, $120.00"
    admin_url = f"{settings.SITE_URL}/admin/booking/giftcertificate/{certificate.pk}/change/"
    for body in (text, html):
        assert "Bea Buyer" in body and "bea@example.com" in body and "$120.00" in body
        assert "awaiting payment at the desk" in body
        assert f"Once paid, it goes to Rita Recipient on {deliver_on:%B} {deliver_on.day}," in body
        assert admin_url in body
    assert carries_no_code(notice, certificate)
    # The link opens the certificate for staff.
    assert admin_client.get(admin_url.removeprefix(settings.SITE_URL)).status_code == 200
    # The buyer has her own note on how to pay; the recipient nothing yet.
    assert len(smtp_server.to("bea@example.com")) == 1
    assert smtp_server.to("rita@example.com") == []


def test_a_service_given_for_the_buyer_to_print_is_named_in_the_notice(demo, smtp_server):
    option = ServiceOption.objects.select_related("service").filter(is_active=True).first()
    certificate = purchase_gift_certificate(
        buyer_name="Bea Buyer", buyer_email="bea@example.com", option=option
    )
    send_pending_emails()

    (notice,) = smtp_server.to(CLINIC)
    text, _ = bodies(notice)
    service = f"{option.service.name}, {option.duration_minutes} minutes"
    assert f"ordered a gift certificate of ${option.price} ({service})" in text
    assert "Once paid, it goes to the buyer to print." in text
    assert carries_no_code(notice, certificate)


@pytest.mark.usefixtures("stripe_api")
def test_a_stripe_order_emails_no_one_when_it_is_placed(client, demo, smtp_server):
    response = client.post("/gift-certificates/", ORDER)

    assert response["Location"].startswith("https://checkout.stripe.test/")
    assert GiftCertificate.objects.get().payment == "stripe"
    assert send_pending_emails() == 0
    assert smtp_server.messages == []


def test_a_stripe_order_placed_by_the_service_sends_no_clinic_notice(demo, smtp_server):
    purchase_gift_certificate(
        buyer_name="Bea Buyer",
        buyer_email="bea@example.com",
        amount=Decimal("100"),
        payment=GiftCertificate.Payment.STRIPE,
    )

    send_pending_emails()

    assert smtp_server.to(CLINIC) == []
    assert not OutboundEmail.objects.exists()


def test_a_desk_sale_without_notices_and_a_clinic_without_email_send_no_notice(demo):
    purchase_gift_certificate(
        buyer_name="Bea Buyer", buyer_email="bea@example.com", amount=Decimal("50"), notify=False
    )
    Clinic.objects.update(email="")
    purchase_gift_certificate(
        buyer_name="Bo Buyer", buyer_email="bo@example.com", amount=Decimal("50")
    )

    assert GiftCertificate.objects.count() == 2
    assert list(OutboundEmail.objects.values_list("kind", "to")) == [
        ("gift_order", "bo@example.com")
    ]
