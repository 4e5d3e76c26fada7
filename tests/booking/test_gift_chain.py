"""The whole life of a gift certificate over HTTP, with the emails read back from a real SMTP
server: buy, pay at the clinic, staff mark it paid, the recipient's email with the code, the
balance page, part of it spent on a booking, and the cancellation that gives it back."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.utils import timezone

from booking.models import Appointment, GiftCertificate, GiftLedgerEntry
from booking.services.emails import send_pending_emails
from tests.booking.test_views_book import DETAILS, flow

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}\b")


def text_of(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def shown(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def balance_of(client, code: str) -> str:
    return shown(client.post("/gift-certificates/balance/", {"code": code}))


def test_buy_pay_at_the_clinic_receive_check_redeem_part_and_cancel_to_credit_back(
    client, admin_client, clinic_week, smtp_server
):
    cache.clear()
    order = {
        "gift": "amount-150",
        "buyer_name": "Bea Buyer",
        "buyer_email": "bea@example.com",
        "send_to": "recipient",
        "recipient_name": "Rita Recipient",
        "recipient_email": "rita@example.com",
        "message": "Happy birthday, Rita!",
        "deliver": "now",
    }

    # The buyer orders, to pay at the clinic: nothing is issued yet.
    ordered = client.post("/gift-certificates/", order)
    assert ordered.status_code == 302
    assert "Pay at the clinic" in shown(client.get(ordered["Location"]))
    certificate = GiftCertificate.objects.get()
    assert certificate.status == "pending"
    send_pending_emails()
    (how_to_pay,) = smtp_server.to("bea@example.com")
    assert "pay at the clinic" in how_to_pay["Subject"]
    assert smtp_server.to("rita@example.com") == []

    # The front desk takes the payment and marks it paid in admin.
    marked = admin_client.post(
        "/admin/booking/giftcertificate/",
        {"action": "mark_paid", "_selected_action": [certificate.pk]},
    )
    assert marked.status_code == 302
    assert send_pending_emails() == 2

    # Rita's email, read back from the SMTP server, carries the code and how to use it.
    (gift,) = smtp_server.to("rita@example.com")
    text, html = text_of(gift)
    assert "Bea Buyer sent you a gift certificate for Focused Care" in gift["Subject"]
    code = CODE.search(text).group()
    assert code in html and "$150.00" in text and "Happy birthday, Rita!" in html
    assert "enter the code" in text and f"/gift-certificates/{certificate.token}/" in text
    receipt = [m for m in smtp_server.to("bea@example.com") if "Receipt" in m["Subject"]]
    assert len(receipt) == 1 and code not in text_of(receipt[0])[0]

    # The balance page, typed as a person would.
    assert "Balance: $150.00" in balance_of(client, code.lower().replace("-", " "))

    # Rita books a $95 session and pays part of the certificate's balance with it.
    day = timezone.localdate() + timedelta(days=3)
    review = client.post("/book/", {**flow(day), **DETAILS, "gift_code": code, "apply_gift": "1"})
    assert "Gift certificate −$95.00" in shown(review)
    assert "Due at the clinic $0.00" in shown(review)
    reviewed = {"gift_code": code, "gift_shown": "95.00", "confirm": "1"}  # as the review carries
    booked = client.post("/book/", {**flow(day), **DETAILS, **reviewed})
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.gift_amount == Decimal("95.00")
    assert "Balance: $55.00" in balance_of(client, code)
    send_pending_emails()
    (confirmation,) = [m for m in smtp_server.to("ann@example.com") if "Booked" in m["Subject"]]
    for body in text_of(confirmation):
        assert "$95.00 paid by gift certificate, $0.00 due at the clinic" in body

    # She cancels with her link: the certificate gets back what the booking took.
    cancelled = client.post(f"/booking/{appointment.token}/cancel/", {"reason": "Sick"})
    assert cancelled.status_code == 302
    assert "Balance: $150.00" in balance_of(client, code)
    send_pending_emails()
    (cancel_email,) = [m for m in smtp_server.to("ann@example.com") if "ancel" in m["Subject"]]
    assert "credited back" in text_of(cancel_email)[0]
    kinds = list(GiftLedgerEntry.objects.values_list("kind", "amount", "balance_after"))
    assert kinds == [("issue", 150, 150), ("redeem", -95, 55), ("credit", 95, 150)]
