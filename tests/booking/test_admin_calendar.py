"""The back office's day and week calendar and the printable day sheet."""

from datetime import date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Appointment, Intake
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    ClinicClosureFactory,
    ServiceOptionFactory,
    TherapistFactory,
    TimeOffFactory,
    at,
    week_of_hours,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def day_with_bookings(clinic_week):
    appointment = AppointmentFactory(
        therapist=clinic_week.therapist,
        option=clinic_week.option,
        client=ClientFactory(name="Dana Miller", phone="717-555-0177"),
        start=at("2026-03-10 10:00"),
    )
    Intake.objects.create(
        appointment=appointment,
        zones=["lower_back"],
        duration="weeks",
        pressure=3,
        consent=True,
        red_flags=["accident"],
        cleared_by_doctor=True,
    )
    TimeOffFactory(
        therapist=clinic_week.therapist,
        starts_at=at("2026-03-10 14:00"),
        ends_at=at("2026-03-10 15:00"),
        reason="Dentist",
    )
    return appointment


def test_the_day_view_shows_each_therapists_sessions_time_off_and_free_times(
    admin_client, day_with_bookings, clinic_week
):
    grid = page(admin_client.get("/admin/calendar/?date=2026-03-10"))

    session = grid.select_one("td.fc-appt")
    assert "Dana Miller" in session.get_text()
    assert "Deep Tissue, 60 min" in session.get_text()
    assert session["rowspan"] == "4"
    assert "⚑ cleared" in session.get_text()
    assert [td.get_text(strip=True) for td in grid.select("td.fc-off")] == ["Dentist"] * 4
    free = grid.select("td.fc-free a")
    first = free[0]["href"]
    assert first == (
        f"/admin/booking/appointment/add/?therapist={clinic_week.therapist.pk}"
        "&start=2026-03-10T09:00"
    )
    assert not any("T10:" in a["href"] for a in free)


def test_a_free_time_opens_the_phone_booking_form_at_that_time(admin_client, clinic_week):
    form = page(
        admin_client.get(
            f"/admin/booking/appointment/add/?therapist={clinic_week.therapist.pk}"
            "&start=2026-03-10T13:30",
            follow=True,
        )
    )

    assert form.find("input", attrs={"name": "day"})["value"] == "2026-03-10"
    assert form.find("input", attrs={"name": "time"})["value"] == "13:30"
    therapist = form.find("select", attrs={"name": "therapist"}).find("option", selected=True)
    assert therapist["value"] == str(clinic_week.therapist.pk)


def test_a_clinic_closure_shows_on_every_therapists_column(admin_client, clinic_week):
    ClinicClosureFactory(name="Thanksgiving", first_day=DAY, last_day=DAY)

    grid = page(admin_client.get("/admin/calendar/?date=2026-03-10"))

    assert "Closed: Thanksgiving" in grid.select_one(".fc-calendar thead").get_text()
    assert not grid.select("td.fc-free")


def test_the_week_view_has_a_column_per_day_for_one_therapist(
    admin_client, day_with_bookings, clinic_week
):
    grid = page(
        admin_client.get(f"/admin/calendar/therapist/{clinic_week.therapist.pk}/?date=2026-03-12")
    )

    headers = [th.get_text(strip=True) for th in grid.select(".fc-calendar thead th")][1:]
    assert headers == ["Mon Mar 9", "Tue Mar 10", "Wed Mar 11", "Thu Mar 12", "Fri Mar 13",
                       "Sat Mar 14", "Sun Mar 15"]  # fmt: skip
    assert "Dana Miller" in grid.select_one("td.fc-appt").get_text()


def test_the_day_sheet_lists_each_therapists_clients_with_phone_numbers(
    admin_client, day_with_bookings
):
    sheet = page(admin_client.get("/admin/calendar/day-sheet/?date=2026-03-10"))

    row = sheet.select_one(".fc-sheet tbody tr").get_text(" ", strip=True)
    assert "10:00 AM" in row and "Dana Miller" in row and "717-555-0177" in row


def test_cancelled_sessions_leave_the_calendar(admin_client, day_with_bookings):
    Appointment.objects.update(status="cancelled")

    grid = page(admin_client.get("/admin/calendar/?date=2026-03-10"))

    assert not grid.select("td.fc-appt")


@pytest.mark.parametrize("path", ["/admin/calendar/", "/admin/calendar/day-sheet/"])
def test_a_malformed_date_gets_400(admin_client, path):
    assert admin_client.get(f"{path}?date=March-tenth").status_code == 400


def _busy_week(therapists: int, per_therapist: int):
    """`therapists` working every day, with `per_therapist` sessions spread over one week."""
    option = ServiceOptionFactory(duration_minutes=30)
    people = [TherapistFactory(services=[option.service]) for _ in range(therapists)]
    client = ClientFactory()
    rows = []
    for person in people:
        week_of_hours(person, [("00:00", "23:59")])
        for n in range(per_therapist):
            start = datetime.combine(
                date(2026, 3, 9) + timedelta(days=n % 7),
                time(0),
                tzinfo=timezone.get_current_timezone(),
            ) + timedelta(minutes=30 * (n // 7))
            rows.append(
                Appointment(
                    client=client,
                    therapist=person,
                    option=option,
                    price=option.price,
                    start=start,
                    end=start + timedelta(minutes=30),
                    blocked_until=start + timedelta(minutes=30),
                )
            )
    Appointment.objects.bulk_create(rows)
    return people


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_calendar_queries_stay_constant_as_a_full_week_grows_tenfold(admin_client):
    small = _busy_week(therapists=5, per_therapist=4)  # 20 appointments
    day_small = _queries(admin_client, "/admin/calendar/?date=2026-03-10")
    week_small = _queries(admin_client, f"/admin/calendar/therapist/{small[0].pk}/?date=2026-03-10")
    Appointment.objects.all().delete()
    big = _busy_week(therapists=5, per_therapist=40)  # 200 appointments, one week
    assert Appointment.objects.count() == 200

    assert _queries(admin_client, "/admin/calendar/?date=2026-03-10") == day_small
    assert (
        _queries(admin_client, f"/admin/calendar/therapist/{big[0].pk}/?date=2026-03-10")
        == week_small
    )
