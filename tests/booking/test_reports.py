"""The owner's dashboard, checked against figures worked out by hand for one seeded week."""

import csv
import io
from datetime import date, time, timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission, User

from booking.backoffice.reports import week_report
from booking.models import Appointment, ExtraShift
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    ServiceOptionFactory,
    TherapistFactory,
    TimeOffFactory,
    at,
    week_of_hours,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_week(clinic_week):
    """The week of Monday March 9, 2026 (after the spring-forward Sunday).

    Maria works 9-17 Monday to Friday: 5 x 480 = 2,400 minutes, less Wednesday 9-13 off (240)
    and Friday closed (480) = 1,680 working minutes. Her sessions: Monday 60 min completed
    ($95), Tuesday 60 min no-show, Tuesday 60 min cancelled (not counted), Thursday 60 min
    booked: 180 booked minutes, 11%. Priya works Monday 9-12 (180 minutes) and has one 60 min
    completed session ($95): 33%. Revenue $190 from 2 completed; no-shows 1 of 3 = 33%.
    Next week: 2 bookings.
    """
    maria, option = clinic_week.therapist, clinic_week.option
    maria.working_hours.all().delete()
    week_of_hours(maria, [("09:00", "17:00")], days=range(5))
    priya = TherapistFactory(name="Priya Shah", services=[clinic_week.service])
    week_of_hours(priya, [("09:00", "12:00")], days=[0])
    TimeOffFactory(
        therapist=maria, starts_at=at("2026-03-11 09:00"), ends_at=at("2026-03-11 13:00")
    )
    # Entered twice, overlapping: those hours off still count once.
    TimeOffFactory(
        therapist=maria, starts_at=at("2026-03-11 11:00"), ends_at=at("2026-03-11 12:00")
    )
    ClinicClosureFactory(name="Spring day", first_day=at("2026-03-13 00:00").date(),
                         last_day=at("2026-03-13 00:00").date())  # fmt: skip
    for start, status, person in [
        ("2026-03-09 10:00", "completed", maria),
        ("2026-03-10 10:00", "no_show", maria),
        ("2026-03-10 13:00", "cancelled", maria),
        ("2026-03-12 10:00", "booked", maria),
        ("2026-03-09 09:00", "completed", priya),
        ("2026-03-16 10:00", "booked", maria),
        ("2026-03-17 10:00", "booked", maria),
        ("2026-03-23 10:00", "booked", maria),
    ]:
        AppointmentFactory(therapist=person, option=option, start=at(start), status=status)
    return maria, priya


def test_the_week_report_matches_the_figures_worked_out_by_hand(seeded_week):
    maria, priya = seeded_week

    report = week_report(at("2026-03-09 00:00").date())

    assert report.bookings == 4
    assert report.bookings_next_week == 2
    assert [count for _, count in report.bookings_per_day] == [2, 1, 0, 1, 0, 0, 0]
    by_name = {u.therapist.name: u for u in report.utilisation}
    assert (by_name["Maria Alvarez"].booked_minutes, by_name["Maria Alvarez"].working_minutes) == (
        180,
        1680,
    )
    assert by_name["Maria Alvarez"].percent == 11
    assert (by_name["Priya Shah"].booked_minutes, by_name["Priya Shah"].working_minutes) == (
        60,
        180,
    )
    assert by_name["Priya Shah"].percent == 33
    assert str(report.revenue) == "190.00"
    assert (report.completed, report.no_shows, report.no_show_percent) == (2, 1, 33)


def test_utilisation_counts_an_extra_shift_as_working_time_but_not_on_a_closed_day(seeded_week):
    _, priya = seeded_week
    ExtraShift.objects.create(
        therapist=priya, day=date(2026, 3, 14), starts=time(10), ends=time(14)
    )
    ExtraShift.objects.create(therapist=priya, day=date(2026, 3, 13), starts=time(9), ends=time(12))

    report = week_report(date(2026, 3, 9))

    by_name = {u.therapist.name: u for u in report.utilisation}
    # Monday 9-12 and Saturday's extra 10-14; Friday's extra falls on the closed "Spring day".
    assert by_name["Priya Shah"].working_minutes == 180 + 240
    assert by_name["Priya Shah"].percent == 14


def test_the_dashboard_page_shows_those_figures_and_charts(admin_client, seeded_week):
    page = BeautifulSoup(admin_client.get("/admin/reports/?date=2026-03-11").content, "html.parser")

    assert page.select_one("#fig-bookings").get_text() == "4"
    assert page.select_one("#fig-next").get_text() == "2"
    assert page.select_one("#fig-revenue").get_text() == "$190.00"
    assert page.select_one("#fig-noshow").get_text() == "33%"
    assert len(page.select("svg.fc-chart rect")) == 7
    assert "180 / 1680 min" in page.select_one(".fc-util").get_text()


def test_the_csv_export_lists_the_range_without_health_answers(admin_client, seeded_week):
    response = admin_client.get("/admin/reports/appointments.csv?from=2026-03-09&to=2026-03-15")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert len(rows) == 5
    assert rows[0]["date"] == "2026-03-09" and rows[0]["start"] == "09:00"
    assert {r["status"] for r in rows} == {"Completed", "No-show", "Cancelled", "Booked"}
    assert "zones" not in rows[0] and "red_flags" not in rows[0]


@pytest.mark.parametrize(
    "query", ["from=2026-03-09", "from=nope&to=2026-03-10", "from=2026-03-10&to=2026-03-01"]
)
def test_a_bad_export_range_gets_400(admin_client, query):
    assert admin_client.get(f"/admin/reports/appointments.csv?{query}").status_code == 400


def test_staff_without_the_reports_permission_get_403(client):
    desk = User.objects.create_user("desk", password="pw", is_staff=True)
    desk.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    client.force_login(desk)

    assert client.get("/admin/reports/").status_code == 403
    assert (
        client.get("/admin/reports/appointments.csv?from=2026-03-09&to=2026-03-10").status_code
        == 403
    )


def test_the_report_makes_the_same_number_of_queries_with_ten_times_the_data(
    admin_client, seeded_week, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        admin_client.get("/admin/reports/?date=2026-03-11")
    option = ServiceOptionFactory(duration_minutes=30)
    for n in range(10):
        person = TherapistFactory(services=[option.service])
        week_of_hours(person, [("08:00", "20:00")])
        for hour in range(8, 18):
            AppointmentFactory(
                therapist=person,
                option=option,
                start=at("2026-03-10 08:00") + timedelta(hours=hour - 8, days=n % 5),
            )
    assert Appointment.objects.count() > 100
    with CaptureQueriesContext(connection) as after:
        admin_client.get("/admin/reports/?date=2026-03-11")
    assert len(after) == len(before)


def test_the_dashboard_shows_gift_certificate_sales_that_week_and_the_outstanding_liability(
    admin_client, seeded_week
):
    from decimal import Decimal

    from booking.services.gift_certificates.ledger import redeem_gift_certificate
    from booking.services.gift_certificates.sales import (
        mark_gift_certificate_paid,
        purchase_gift_certificate,
    )

    def sell(amount: str, paid: str | None):
        order = purchase_gift_certificate(
            buyer_name="Bea", buyer_email="bea@example.com", amount=Decimal(amount),
            notify=False, now=at("2026-03-01 10:00"),
        )  # fmt: skip
        if paid:
            return mark_gift_certificate_paid(certificate=order, notify=False, now=at(paid))
        return order

    in_week = sell("50", "2026-03-10 12:00")
    sell("75", "2026-03-20 12:00")
    sell("100", None)  # waiting for payment: neither sold nor owed
    redeem_gift_certificate(code=in_week.code, amount=Decimal("20"), now=at("2026-03-11 09:00"))

    page = BeautifulSoup(admin_client.get("/admin/reports/?date=2026-03-11").content, "html.parser")

    assert page.select_one("#fig-gift-sales").get_text() == "$50.00"
    assert page.select_one("#fig-liability").get_text() == "$105.00"
    assert page.select_one("#fig-gift-voided") is None


def test_the_dashboards_gift_sales_leave_out_certificates_voided_since_and_show_them_apart(
    admin_client, seeded_week
):
    """Week of March 9: $50 sold and kept; $80 sold and refunded (voided) on March 20; $30 sold,
    $10 of it spent, then voided. Sold that week: $50; voided since: $110 (2 certificates).
    The week after has a $75 sale only."""
    from decimal import Decimal

    from booking.services.gift_certificates.ledger import (
        redeem_gift_certificate,
        void_gift_certificate,
    )
    from booking.services.gift_certificates.sales import (
        mark_gift_certificate_paid,
        purchase_gift_certificate,
    )

    def sell(amount: str, paid: str):
        order = purchase_gift_certificate(
            buyer_name="Bea", buyer_email="bea@example.com", amount=Decimal(amount),
            notify=False, now=at("2026-03-01 10:00"),
        )  # fmt: skip
        return mark_gift_certificate_paid(certificate=order, notify=False, now=at(paid))

    sell("50", "2026-03-10 12:00")
    refunded = sell("80", "2026-03-11 12:00")
    part_spent = sell("30", "2026-03-12 12:00")
    sell("75", "2026-03-17 12:00")
    redeem_gift_certificate(code=part_spent.code, amount=Decimal("10"), now=at("2026-03-13 09:00"))
    for certificate in (refunded, part_spent):
        void_gift_certificate(
            certificate=certificate, reason="Refunded", now=at("2026-03-20 09:00")
        )

    week = BeautifulSoup(admin_client.get("/admin/reports/?date=2026-03-11").content, "html.parser")
    after = BeautifulSoup(
        admin_client.get("/admin/reports/?date=2026-03-18").content, "html.parser"
    )

    assert week.select_one("#fig-gift-sales").get_text() == "$50.00"
    assert week.select_one("#fig-gift-voided").get_text() == (
        ", not counting $110.00 (2 certificates) voided since"
    )
    assert week.select_one("#fig-liability").get_text() == "$125.00"  # $50 + $75 unspent
    assert after.select_one("#fig-gift-sales").get_text() == "$75.00"
    assert after.select_one("#fig-gift-voided") is None
