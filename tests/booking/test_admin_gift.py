"""Gift certificates in the back office: the list with the liability and sales, search by code
or email, mark paid, resend, void, adjust and redeem at the desk, the read-only ledger, CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from booking.models import Appointment, GiftCertificate, GiftLedgerEntry, OutboundEmail
from booking.services.appointments import cancel_appointment
from booking.services.gift_certificates.ledger import redeem_gift_certificate
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from tests.factories import AppointmentFactory, ClientFactory, staff_user

pytestmark = pytest.mark.django_db

LIST = "/admin/booking/giftcertificate/"


def order(amount: str = "100", **fields) -> GiftCertificate:
    defaults = {
        "buyer_name": "Bea Buyer",
        "buyer_email": "bea@example.com",
        "recipient_name": "Rita Recipient",
        "recipient_email": "rita@example.com",
    }
    return purchase_gift_certificate(amount=Decimal(amount), **{**defaults, **fields})


def issued(amount: str = "100", **fields) -> GiftCertificate:
    return mark_gift_certificate_paid(certificate=order(amount, **fields))


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_the_list_shows_the_liability_and_sales_per_month(
    admin_client, django_assert_max_num_queries
):
    issued("100")
    spent = issued("50")
    redeem_gift_certificate(code=spent.code, amount=Decimal("20"))
    order("75")  # not paid: neither sold nor owed

    with django_assert_max_num_queries(13):  # the liability: balances, then held
        response = admin_client.get(LIST)

    shown = text(response)
    assert response.status_code == 200
    assert "Outstanding balance (liability): $130.00" in shown
    month = timezone.localdate().strftime("%B %Y")
    assert f"{month} 2 $150.00" in shown
    assert spent.display_code in shown and "Waiting for payment" in shown


def test_the_sales_per_month_leave_out_voided_certificates_and_show_them_apart(admin_client):
    issued("100")
    refunded = issued("60")
    admin_client.post(f"{LIST}{refunded.pk}/void/", {"reason": "Refunded by card"})

    shown = text(admin_client.get(LIST))

    month = timezone.localdate().strftime("%B %Y")
    assert f"{month} 1 $100.00 1, $60.00" in shown


@pytest.mark.parametrize("typed", ["code-lower", "code-spaced", "rita@example.com", "Bea"])
def test_certificates_are_found_by_code_however_typed_or_by_email(admin_client, typed):
    certificate = issued()
    issued(buyer_email="other@example.com", recipient_email="x@example.com", buyer_name="Oz")
    query = {
        "code-lower": certificate.display_code.lower(),
        "code-spaced": " ".join(certificate.code),
    }.get(typed, typed)

    response = admin_client.get(LIST, {"q": query})

    assert certificate.display_code in text(response)
    assert "1 result" in text(response)


def test_marking_paid_in_admin_issues_and_sends(admin_client):
    certificate = order()

    admin_client.post(LIST, {"action": "mark_paid", "_selected_action": [certificate.pk]})

    certificate.refresh_from_db()
    assert certificate.status == "active" and certificate.balance == 100
    assert OutboundEmail.objects.filter(kind="gift_certificate").count() == 1


def test_resend_queues_the_certificate_again(admin_client):
    certificate = issued()

    response = admin_client.post(
        LIST, {"action": "resend", "_selected_action": [certificate.pk]}, follow=True
    )

    assert "1 certificate(s) queued to send" in text(response)
    assert OutboundEmail.objects.filter(kind="gift_certificate").count() == 2


def test_the_certificate_page_shows_the_ledger_read_only_and_the_staff_actions(admin_client):
    certificate = issued()

    response = admin_client.get(f"{LIST}{certificate.pk}/change/")

    html = BeautifulSoup(response.content, "html.parser")
    assert response.status_code == 200
    assert "Issued" in text(response)
    for action in ("redeem", "adjust", "void"):
        assert html.find("a", href=f"{LIST}{certificate.pk}/{action}/")
    assert not html.find("input", attrs={"name": "ledger-0-amount"})
    assert admin_client.get("/admin/booking/giftledgerentry/").status_code == 200
    assert admin_client.get("/admin/booking/giftledgerentry/add/").status_code == 403
    assert admin_client.get(f"{LIST}add/").status_code == 403


def test_voiding_needs_a_reason_and_zeroes_the_balance(admin_client):
    certificate = issued("80")
    url = f"{LIST}{certificate.pk}/void/"

    refused = admin_client.post(url, {"reason": ""})
    voided = admin_client.post(url, {"reason": "Refunded by card"})

    assert refused.status_code == 400 and "required" in text(refused)
    assert voided.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "void" and certificate.balance == 0
    assert certificate.ledger.last().reason == "Refunded by card"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "-500", "reason": "Typo"}, "doesn't have enough balance"),
        ({"amount": "", "reason": "Typo"}, "amount to add or take off"),
        ({"amount": "abc", "reason": "Typo"}, "Enter a number"),
        ({"amount": "10", "reason": ""}, "required"),
    ],
)
def test_a_bad_adjustment_is_refused_with_a_message_and_changes_nothing(
    admin_client, data, message
):
    certificate = issued("50")

    response = admin_client.post(f"{LIST}{certificate.pk}/adjust/", data)

    assert response.status_code == 400 and message in text(response)
    certificate.refresh_from_db()
    assert certificate.balance == 50 and certificate.ledger.count() == 1


def test_an_adjustment_with_a_reason_is_kept_in_the_ledger_with_who_made_it(
    admin_client, admin_user
):
    certificate = issued("50")

    admin_client.post(f"{LIST}{certificate.pk}/adjust/", {"amount": "-12.50", "reason": "Typo"})

    entry = certificate.ledger.last()
    assert (entry.kind, entry.amount, entry.reason, entry.by) == (
        "adjust",
        -12.5,
        "Typo",
        admin_user,
    )


def test_the_front_desk_redeems_for_a_walk_in(admin_client, admin_user):
    certificate = issued("100")
    url = f"{LIST}{certificate.pk}/redeem/"

    too_much = admin_client.post(url, {"amount": "100.01"})
    taken = admin_client.post(url, {"amount": "60", "reason": "Walk-in, 60 min"})

    assert too_much.status_code == 400
    assert taken.status_code == 302
    certificate.refresh_from_db()
    assert certificate.balance == 40
    entry = certificate.ledger.last()
    assert (entry.kind, entry.amount, entry.by) == ("redeem", -60, admin_user)


@pytest.fixture
def desk(client):
    client.force_login(staff_user("desk", role="Front desk"))
    return client


def booking_on(clinic_week, days: int, **fields) -> Appointment:
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    return AppointmentFactory(
        option=clinic_week.option,
        therapist=clinic_week.therapist,
        client=ClientFactory(name=fields.pop("name", "Dana Miller")),
        start=start + timedelta(days=days),
        **fields,
    )


def offered(response) -> dict[str, str]:
    """The bookings the redeem form offers: option text by value (the empty choice left out)."""
    page = BeautifulSoup(response.content, "html.parser")
    return {o["value"]: o.get_text() for o in page.select("select[name=appointment] option")[1:]}


def test_the_desk_redeems_towards_a_booking_and_cancelling_it_gives_the_amount_back(
    desk, clinic_week
):
    certificate = issued("60")
    booking = booking_on(clinic_week, 1)
    url = f"{LIST}{certificate.pk}/redeem/"
    assert "Dana Miller" in offered(desk.get(url))[str(booking.pk)]

    taken = desk.post(url, {"amount": "60", "appointment": booking.pk}, follow=True)

    assert "Took $60.00" in text(taken) and "towards Deep Tissue with Maria Alvarez" in text(taken)
    booking.refresh_from_db()
    assert booking.gift_amount == Decimal("60.00") and booking.due_at_clinic == Decimal("35.00")
    entry = certificate.ledger.get(kind="redeem")
    assert entry.appointment == booking
    cancel_appointment(appointment=booking, reason="Unwell", by=staff_user("desk"))
    certificate.refresh_from_db()
    assert certificate.balance == Decimal("60.00")


def test_the_desk_cannot_take_more_than_a_booking_has_left_to_pay(desk, clinic_week):
    certificate = issued("200")
    booking = booking_on(clinic_week, 0)

    response = desk.post(
        f"{LIST}{certificate.pk}/redeem/", {"amount": "100", "appointment": booking.pk}
    )

    assert response.status_code == 400
    assert "This booking costs $95.00: a gift certificate can pay at most that" in text(response)
    certificate.refresh_from_db()
    booking.refresh_from_db()
    assert certificate.balance == 200 and booking.gift_amount == 0


def test_only_this_weeks_bookings_with_something_to_pay_are_offered(desk, clinic_week):
    certificate = issued("100")
    url = f"{LIST}{certificate.pk}/redeem/"
    near = booking_on(clinic_week, -7, name="Near Past")
    soon = booking_on(clinic_week, 7, name="Next Week")
    far = booking_on(clinic_week, 8, name="Far Ahead")
    cancelled = booking_on(clinic_week, 2, name="Called Off", status="cancelled")
    paid = booking_on(clinic_week, 3, name="Paid Up", gift_amount=Decimal("95.00"))

    choices = offered(desk.get(url))

    assert list(choices) == [str(near.pk), str(soon.pk)]
    for refused in (far, cancelled, paid):
        response = desk.post(url, {"amount": "10", "appointment": refused.pk})
        assert response.status_code == 400
        assert "That booking is not one you can pay for here" in text(response)
    certificate.refresh_from_db()
    assert certificate.balance == 100


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100.01", "doesn't have enough balance left"),
        ("0", "greater than or equal to 0.01"),
        ("ten", "Enter a number"),
    ],
)
def test_the_desk_redemption_says_what_is_wrong_and_takes_nothing(admin_client, amount, message):
    certificate = issued("100")

    response = admin_client.post(f"{LIST}{certificate.pk}/redeem/", {"amount": amount})

    assert response.status_code == 400
    assert message in text(response)
    assert 'value="' + amount + '"' in response.content.decode()  # what was typed is kept
    certificate.refresh_from_db()
    assert certificate.balance == 100


def test_a_phone_booking_in_admin_can_be_paid_with_a_certificate(admin_client, clinic_week):
    certificate = issued("50")
    day = timezone.localdate() + timedelta(days=3)

    response = admin_client.post(
        "/admin/appointments/book/",
        {
            "client_name": "Phone Client",
            "client_email": "phone@example.com",
            "client_phone": "717-555-0123",
            "option": clinic_week.option.pk,
            "therapist": clinic_week.therapist.pk,
            "day": day.isoformat(),
            "time": "10:00",
            "gift_code": certificate.display_code,
        },
    )

    assert response.status_code == 302
    assert Appointment.objects.get().gift_amount == Decimal("50.00")
    assert GiftCertificate.objects.get(pk=certificate.pk).balance == 0


def test_the_csv_export_lists_the_certificates_safely_for_spreadsheets(admin_client):
    certificate = issued(buyer_name="=HYPERLINK(1)")

    response = admin_client.post(
        LIST, {"action": "export_csv", "_selected_action": [certificate.pk]}
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0]["code"] == certificate.display_code
    assert rows[0]["balance"] == "100.00" and rows[0]["status"] == "active"
    assert rows[0]["buyer_name"] == "'=HYPERLINK(1)"


def test_the_owner_cannot_set_an_expiry_under_five_years(admin_client):
    response = admin_client.post(
        "/admin/booking/giftsettings/add/",
        {"preset_amounts": "50, 100", "min_amount": "25", "max_amount": "500", "expiry_years": "3"},
    )

    assert response.status_code == 400
    assert "greater than or equal to 5" in text(response)
    assert not GiftLedgerEntry.objects.exists()
