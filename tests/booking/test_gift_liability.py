"""The owner's gift certificate liability, against figures worked out by hand: the spendable
balances, plus what upcoming bookings took from certificates until the session takes place."""

from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from booking.models import GiftSettings
from booking.selectors import GiftLiability, gift_liability
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    mark_no_show,
)
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.ledger import (
    redeem_gift_certificate,
    void_gift_certificate,
)
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from tests.factories import at

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 08:00")
ANN = ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100")


def sold(amount: str, now=NOW):
    order = purchase_gift_certificate(
        buyer_name="Bea Buyer",
        buyer_email="bea@example.com",
        amount=Decimal(amount),
        notify=False,
        now=now,
    )
    return mark_gift_certificate_paid(certificate=order, notify=False, now=now)


def booked_with(certificate, option, start, now=NOW):
    return book_appointment(
        option=option, start=start, client=ANN, gift_code=certificate.code, now=now
    )


def owed(now) -> tuple[str, str, str, int]:
    liability = gift_liability(now=now)
    return (
        str(liability.total),
        str(liability.balances),
        str(liability.held),
        liability.held_bookings,
    )


@pytest.fixture
def option(clinic_week):
    """A 60-minute session at $100, so the issue's figures read as they were reported."""
    clinic_week.option.price = Decimal("100.00")
    clinic_week.option.save(update_fields=["price"])
    return clinic_week.option


def test_200_sold_and_100_applied_to_a_booking_next_week_is_200_owed_until_the_session(option):
    """The issue's example: $200 sold; $100 of it pays a session on March 10. Until 10:00 that
    day the clinic owes $100 of balance and the $100 session; once it has started, $100."""
    certificate = sold("200")
    appointment = booked_with(certificate, option, at("2026-03-10 10:00"))

    assert owed(NOW) == ("200.00", "100.00", "100.00", 1)
    assert owed(at("2026-03-10 09:59")) == ("200.00", "100.00", "100.00", 1)
    # Its start has passed (not marked yet), then marked completed: delivered, not owed.
    assert owed(at("2026-03-10 10:00")) == ("100.00", "100.00", "0.00", 0)
    complete_appointment(appointment=appointment, now=at("2026-03-10 11:00"))
    assert owed(at("2026-03-10 11:00")) == ("100.00", "100.00", "0.00", 0)


def test_cancelling_the_booking_moves_what_it_held_back_to_the_balance(option):
    certificate = sold("200")
    appointment = booked_with(certificate, option, at("2026-03-10 10:00"))

    cancel_appointment(appointment=appointment, now=at("2026-03-02 09:00"))

    assert owed(at("2026-03-02 09:00")) == ("200.00", "200.00", "0.00", 0)


def test_a_no_show_is_no_longer_owed(option):
    certificate = sold("200")
    appointment = booked_with(certificate, option, at("2026-03-10 10:00"))

    mark_no_show(appointment=appointment, now=at("2026-03-10 10:30"))

    assert owed(at("2026-03-10 10:30")) == ("100.00", "100.00", "0.00", 0)


def test_several_certificates_bookings_and_a_desk_sale_add_up(option):
    """$150 pays $100 of a March 10 session ($50 left). $40 pays $40 of a March 11 session ($0
    left, $60 due at the desk). $80 pays a $30 walk-in at the desk, then $50 of a March 4
    session ($0 left). A $500 order not paid yet owes nothing. On March 1: balances $50, held
    100 + 40 + 50 = $190 by 3 bookings. On March 5, the March 4 session has taken place:
    balances $50, held 100 + 40 = $140 by 2 bookings."""
    first, second, third = sold("150"), sold("40"), sold("80")
    booked_with(first, option, at("2026-03-10 10:00"))
    booked_with(second, option, at("2026-03-11 10:00"))
    redeem_gift_certificate(code=third.code, amount=Decimal("30"), now=NOW)
    booked_with(third, option, at("2026-03-04 10:00"))
    purchase_gift_certificate(
        buyer_name="Bo", buyer_email="bo@example.com", amount=Decimal("500"), notify=False
    )

    assert owed(at("2026-03-05 08:00")) == ("190.00", "50.00", "140.00", 2)
    assert owed(NOW) == ("240.00", "50.00", "190.00", 3)


def test_a_held_session_stays_owed_after_its_certificate_expires(option):
    """Expiry (5 years, so March 1, 2031 at 8:00) ends the spendable balance, not a session
    already paid with it: $150, of which $100 paid a session on March 4, 2031 (booked
    February 27). On March 2, 2031: $0 balance, $100 held. After the session: nothing."""
    GiftSettings.objects.create(expiry_years=5)
    certificate = sold("150")
    booked_with(certificate, option, at("2031-03-04 10:00"), now=at("2031-02-27 09:00"))

    assert owed(at("2031-02-28 09:00")) == ("150.00", "50.00", "100.00", 1)
    assert owed(at("2031-03-02 09:00")) == ("100.00", "0.00", "100.00", 1)
    assert owed(at("2031-03-04 10:00")) == ("0.00", "0.00", "0.00", 0)


def test_cancelled_after_expiry_what_it_held_returns_as_a_new_load_that_is_owed_again(option):
    """The credit back is a new load: the certificate runs 5 more years from it (US rules), so
    its whole balance, $50 left plus the $100 returned, is spendable and owed again."""
    GiftSettings.objects.create(expiry_years=5)
    certificate = sold("150")
    appointment = booked_with(
        certificate, option, at("2031-03-04 10:00"), now=at("2031-02-27 09:00")
    )

    cancel_appointment(appointment=appointment, now=at("2031-03-02 09:00"))

    assert owed(at("2031-03-02 09:00")) == ("150.00", "150.00", "0.00", 0)


def test_voiding_a_certificate_ends_its_balance_but_not_a_session_it_already_paid(
    option, admin_user
):
    """$200, of which $100 paid a session on March 10; voided on March 2 (refunded): the
    remaining $100 is gone, the paid session is still owed. Cancelled later, nothing goes back
    onto the void certificate (staff are told to settle the $100): no balance is owed."""
    certificate = sold("200")
    appointment = booked_with(certificate, option, at("2026-03-10 10:00"))

    void_gift_certificate(
        certificate=certificate, reason="Refunded", by=admin_user, now=at("2026-03-02 09:00")
    )

    assert owed(at("2026-03-02 09:00")) == ("100.00", "0.00", "100.00", 1)
    cancel_appointment(appointment=appointment, now=at("2026-03-03 09:00"))
    assert owed(at("2026-03-03 09:00")) == ("0.00", "0.00", "0.00", 0)
    assert not certificate.ledger.filter(kind="credit").exists()


def test_the_liability_reads_in_two_queries_however_many_bookings_hold_part(
    option, django_assert_num_queries
):
    for day in range(10, 15):
        booked_with(sold("50"), option, at(f"2026-03-{day} 10:00"))

    with django_assert_num_queries(2):
        liability = gift_liability(now=NOW)

    assert liability == GiftLiability(
        balances=Decimal("0.00"), held=Decimal("250.00"), held_bookings=5
    )


# Where the owner reads it ----------------------------------------------------------------------


@pytest.fixture
def next_week(option):
    """Today's figures, for the pages that read the clock: $200 sold, $100 of it applied to a
    session next week."""
    now = timezone.now()
    certificate = sold("200", now=now)
    day = timezone.localdate(now) + timedelta(days=7)
    booked_with(certificate, option, at(f"{day} 10:00"), now=now)


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_the_dashboard_shows_200_outstanding_of_which_100_held_by_1_upcoming_booking(
    admin_client, next_week
):
    page = BeautifulSoup(admin_client.get("/admin/reports/").content, "html.parser")

    assert page.select_one("#fig-liability").get_text() == "$200.00"
    held = page.select_one("#fig-liability-held").get_text(" ", strip=True)
    assert held == ", of which $100.00 held by 1 upcoming booking"


def test_the_certificate_list_shows_200_outstanding_of_which_100_held(admin_client, next_week):
    shown = text(admin_client.get("/admin/booking/giftcertificate/"))

    assert "Outstanding balance (liability): $200.00" in shown
    assert "Of which $100.00 is held by 1 upcoming booking paid with a gift certificate" in shown


def test_with_nothing_held_the_pages_show_only_the_balance(admin_client, option):
    sold("200", now=timezone.now())

    dashboard = BeautifulSoup(admin_client.get("/admin/reports/").content, "html.parser")
    listing = text(admin_client.get("/admin/booking/giftcertificate/"))

    assert dashboard.select_one("#fig-liability").get_text() == "$200.00"
    assert dashboard.select_one("#fig-liability-held") is None
    assert "Outstanding balance (liability): $200.00" in listing and "held by" not in listing
