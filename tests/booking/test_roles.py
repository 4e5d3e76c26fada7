"""Roles: what the owner, the front desk and a therapist can see and change in the back office."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.test import Client as Browser
from django.utils import timezone

from booking.models import Appointment, Intake, ServiceOption
from booking.services.appointments import reschedule_appointment
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    TherapistFactory,
    at,
    staff_user,
    week_of_hours,
)

pytestmark = pytest.mark.django_db


def login(role: str, username: str) -> tuple[Browser, User]:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    browser = Browser()
    browser.force_login(user)
    return browser, user


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def two_therapists(clinic_week):
    """Maria (with a login) and James, each with a client, an appointment and an intake."""
    maria = clinic_week.therapist
    james = TherapistFactory(name="James Whitaker", slug="james", services=[clinic_week.service])
    week_of_hours(james, [("09:00", "17:00")])
    appointments = {}
    for therapist, client_name, injury in [
        (maria, "Mary Own", "Old knee injury"),
        (james, "Jim Other", "Shoulder surgery 2020"),
    ]:
        appointment = AppointmentFactory(
            therapist=therapist,
            option=clinic_week.option,
            client=ClientFactory(name=client_name, email=f"{client_name.split()[0]}@example.com"),
            start=timezone.now() - timedelta(hours=2),
        )
        Intake.objects.create(
            appointment=appointment,
            zones=["upper_back"],
            duration="weeks",
            pressure=3,
            consent=True,
            previous_injuries=injury,
        )
        appointments[therapist.slug] = appointment
    return maria, james, appointments


@pytest.fixture
def therapist_login(two_therapists):
    maria, _, _ = two_therapists
    browser, user = login("Therapist", "maria")
    maria.user = user
    maria.save()
    return browser


def test_the_three_roles_exist_as_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Owner", "Front desk", "Therapist"}


def test_a_therapist_sees_only_their_own_appointments_clients_and_intakes(
    therapist_login, two_therapists
):
    _, _, appointments = two_therapists

    listing = text(therapist_login.get("/admin/booking/appointment/"))
    clients = text(therapist_login.get("/admin/booking/client/"))
    own = text(
        therapist_login.get(f"/admin/booking/appointment/{appointments['maria'].pk}/change/")
    )

    assert "Mary Own" in listing and "Jim Other" not in listing
    assert "Mary Own" in clients and "Jim Other" not in clients
    assert "Old knee injury" in own


def test_a_therapist_searching_for_another_therapists_client_finds_nothing(therapist_login):
    appointments = text(therapist_login.get("/admin/booking/appointment/?q=Jim"))
    clients = text(therapist_login.get("/admin/booking/client/?q=Jim"))

    assert "Jim Other" not in appointments
    assert "Jim Other" not in clients
    assert "0 clients" in clients or "0 results" in clients


def test_a_therapist_opening_another_therapists_appointment_or_client_by_url_gets_403(
    therapist_login, two_therapists
):
    _, _, appointments = two_therapists
    other = appointments["james"]

    for url in [
        f"/admin/booking/appointment/{other.pk}/change/",
        f"/admin/booking/appointment/{other.pk}/history/",
        f"/admin/booking/client/{other.client.pk}/change/",
    ]:
        response = therapist_login.get(url)
        assert response.status_code == 403, url
        assert "Shoulder surgery" not in response.content.decode()


def test_a_therapist_sees_only_their_own_column_in_the_calendar_and_day_sheet(
    therapist_login, two_therapists
):
    day = timezone.localdate().isoformat()

    calendar = text(therapist_login.get(f"/admin/calendar/?date={day}"))
    sheet = text(therapist_login.get(f"/admin/calendar/day-sheet/?date={day}"))

    assert "Maria Alvarez" in calendar and "James Whitaker" not in calendar
    assert "Jim Other" not in sheet


def test_a_therapist_marks_their_session_completed_but_cannot_cancel_or_move_it(
    therapist_login, two_therapists
):
    _, _, appointments = two_therapists
    own = appointments["maria"]
    changelist = therapist_login.get("/admin/booking/appointment/").content.decode()

    therapist_login.post(
        "/admin/booking/appointment/",
        {"action": "mark_completed", "_selected_action": [own.pk, appointments["james"].pk]},
    )

    assert 'value="cancel_selected"' not in changelist
    own.refresh_from_db()
    assert own.status == "completed"
    assert Appointment.objects.get(pk=appointments["james"].pk).status == "booked"
    assert therapist_login.get(f"/admin/appointments/{own.pk}/move/").status_code == 403
    assert therapist_login.get("/admin/booking/appointment/add/").status_code == 403


def test_the_front_desk_books_and_manages_schedules_but_not_prices_policy_or_reports(
    two_therapists,
):
    desk, _ = login("Front desk", "desk")
    _, _, appointments = two_therapists
    option = ServiceOption.objects.first()

    assert desk.get("/admin/booking/appointment/add/").status_code == 200
    assert desk.get("/admin/booking/timeoff/add/").status_code == 200
    assert desk.get("/admin/calendar/").status_code == 200
    listing = text(desk.get("/admin/booking/appointment/"))
    assert "Mary Own" in listing and "Jim Other" in listing
    assert desk.get("/admin/reports/").status_code == 403
    assert desk.post(f"/admin/booking/service/{option.service.pk}/change/", {}).status_code == 403
    assert desk.get("/admin/booking/bookingpolicy/add/").status_code == 403
    appointment = text(desk.get(f"/admin/booking/appointment/{appointments['james'].pk}/change/"))
    assert "Shoulder surgery" not in appointment  # health answers are for therapists and owner


def test_the_owner_sees_reports_and_reads_the_history_of_changes(two_therapists, clinic_week):
    owner, owner_user = login("Owner", "owner")
    _, _, appointments = two_therapists
    future = AppointmentFactory(
        therapist=clinic_week.therapist, option=clinic_week.option, start=at("2027-03-10 10:00")
    )
    option = clinic_week.option
    form = {
        "name": option.service.name,
        "slug": option.service.slug,
        "summary": option.service.summary,
        "is_active": "on",
        "order": "0",
        "options-TOTAL_FORMS": "1",
        "options-INITIAL_FORMS": "1",
        "options-MIN_NUM_FORMS": "1",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-id": option.pk,
        "options-0-service": option.service.pk,
        "options-0-duration_minutes": "60",
        "options-0-price": "99.00",
        "options-0-is_active": "on",
    }
    assert (
        owner.post(f"/admin/booking/service/{option.service.pk}/change/", form).status_code == 302
    )
    reschedule_appointment(appointment=future, start=at("2027-03-11 10:00"), by=staff_user())

    assert owner.get("/admin/reports/").status_code == 200
    assert option.history.count() == 2
    latest = option.history.first()
    assert (latest.price, latest.history_user) == (99, owner_user)
    history = text(owner.get(f"/admin/booking/appointment/{future.pk}/history/"))
    assert "Changed" in history or "Start" in history
    assert future.history.count() == 2
