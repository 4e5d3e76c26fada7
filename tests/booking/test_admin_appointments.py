"""Phone and walk-in bookings, and the staff's page for one booking: the same booking service
as the website, buttons that call the services, and answers that name what really happened."""

from datetime import datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.utils import timezone

from booking.models import Appointment, Client, OutboundEmail, Therapist
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.ledger import void_gift_certificate
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from tests.factories import TherapistFactory, staff_user, week_of_hours

pytestmark = pytest.mark.django_db

BOOK = "/admin/appointments/book/"


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


@pytest.fixture
def desk(client):
    client.force_login(staff_user("desk", role="Front desk"))
    return client


def local(day, hour: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hour), tzinfo=timezone.get_current_timezone())


def phone_booking(week, on, hour="10:00", **extra) -> dict:
    return {
        "client_name": "Walk In",
        "client_email": "walkin@example.com",
        "client_phone": "717-555-0123",
        "option": week.option.pk,
        "therapist": week.therapist.pk,
        "day": on.isoformat(),
        "time": hour,
        "send_confirmation": "on",
        **extra,
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def errors_of(response) -> str:
    page = BeautifulSoup(response.content, "html.parser")
    return " ".join(e.get_text(" ", strip=True) for e in page.select(".errornote, .errorlist"))


def hours_ago(week, hours: int = 2) -> datetime:
    """A start on the booking grid a few hours back, inside working hours whatever the time."""
    week_of_hours(week.therapist, [("00:00", "23:59")])
    moment = timezone.localtime() - timedelta(hours=hours)
    if moment.hour >= 22 or moment.date() != timezone.localdate():  # keep it inside one day
        moment = moment.replace(hour=12) - timedelta(days=1)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def book_someone(week, therapist, start) -> Appointment:
    return book_appointment(
        option=week.option,
        start=start,
        therapist=therapist,
        client=ClientDetails(name="Ann", email="ann@example.com", phone="717-555-0100"),
        by=staff_user("owner-of-test"),
    )


def test_front_desk_books_a_phone_client_and_lands_back_on_the_calendar_day(desk, clinic_week, day):
    response = desk.post(BOOK, phone_booking(clinic_week, day))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/calendar/?date={day.isoformat()}"
    assert appointment.client.email == "walkin@example.com"
    assert appointment.booked_by.username == "desk"
    assert set(OutboundEmail.objects.values_list("kind", flat=True)) == {
        "appointment_booked",
        "clinic_booked",
    }
    assert "Booked Walk In with Maria Alvarez" in messages_of(response)[0]
    assert "emailed a confirmation" in messages_of(response)[0]


def test_first_available_books_whoever_is_free_and_the_message_names_them(desk, clinic_week, day):
    james = TherapistFactory(name="James Whitaker", slug="james", services=[clinic_week.service])
    week_of_hours(james, [("09:00", "17:00")])
    book_someone(clinic_week, clinic_week.therapist, local(day, "10:00"))

    response = desk.post(BOOK, phone_booking(clinic_week, day, therapist=""))

    booked = Appointment.objects.get(client__email="walkin@example.com")
    assert response.status_code == 302
    assert booked.therapist == james
    assert "with James Whitaker" in messages_of(response)[0]


def test_a_busy_therapist_is_refused_and_nobody_else_is_booked_in_their_place(
    desk, clinic_week, day
):
    james = TherapistFactory(name="James Whitaker", slug="james", services=[clinic_week.service])
    week_of_hours(james, [("09:00", "17:00")])
    first = book_someone(clinic_week, clinic_week.therapist, local(day, "10:00"))

    response = desk.post(BOOK, phone_booking(clinic_week, day, "10:30"))

    assert response.status_code == 400
    assert "Maria" not in errors_of(response) or "James" not in errors_of(response)
    assert list(Appointment.objects.all()) == [first]
    assert not Appointment.objects.filter(therapist=james).exists()
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("#id_client_name")["value"] == "Walk In"  # what was typed is kept


def test_a_phone_number_alone_is_enough_and_nothing_is_emailed_to_the_client(
    desk, clinic_week, day
):
    response = desk.post(BOOK, phone_booking(clinic_week, day, client_email=""))
    again = desk.post(BOOK, phone_booking(clinic_week, day, "14:00", client_email=""))

    assert response.status_code == again.status_code == 302
    client = Client.objects.get()
    assert (client.email, client.phone) == ("", "717-555-0123")
    assert client.appointments.count() == 2
    assert list(OutboundEmail.objects.values_list("kind", flat=True)) == [
        "clinic_booked",
        "clinic_booked",
    ]
    assert "No confirmation was emailed" in messages_of(response)[0]


def test_neither_email_nor_phone_is_a_clear_error(desk, clinic_week, day):
    response = desk.post(BOOK, phone_booking(clinic_week, day, client_email="", client_phone=""))

    assert response.status_code == 400
    assert "phone number or email" in errors_of(response)
    assert not Appointment.objects.exists()


def test_a_walk_in_entered_after_it_began_is_recorded_without_a_confirmation(desk, clinic_week):
    week_of_hours(clinic_week.therapist, [("00:00", "23:59")])
    earlier = timezone.localtime() - timedelta(hours=1)
    earlier = earlier.replace(minute=0, second=0, microsecond=0)
    if earlier.date() != timezone.localdate():  # just after midnight: use yesterday's hour
        earlier = earlier.replace(hour=12)

    response = desk.post(BOOK, phone_booking(clinic_week, earlier.date(), f"{earlier:%H:%M}"))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert appointment.start == earlier
    assert not OutboundEmail.objects.filter(kind="appointment_booked").exists()
    assert "no confirmation was emailed" in messages_of(response)[0]


def test_staff_are_not_bound_by_the_online_notice_and_may_skip_the_confirmation(desk, clinic_week):
    week_of_hours(clinic_week.therapist, [("00:00", "23:59")])
    soon = timezone.localtime() + timedelta(hours=1)
    soon = soon.replace(minute=soon.minute - soon.minute % 15, second=0, microsecond=0)
    if soon.hour >= 22:  # keep the session inside one day's hours
        soon = (soon + timedelta(days=1)).replace(hour=0, minute=15)
    data = phone_booking(clinic_week, soon.date(), f"{soon:%H:%M}")
    data.pop("send_confirmation")

    booked = desk.post(BOOK, data)

    assert booked.status_code == 302
    assert Appointment.objects.get().start == soon
    assert not OutboundEmail.objects.filter(kind="appointment_booked").exists()


def test_the_same_form_sent_twice_books_once(desk, clinic_week, day):
    data = phone_booking(clinic_week, day, request_key="phone-key-1")

    desk.post(BOOK, data)
    second = desk.post(BOOK, data)

    assert Appointment.objects.count() == 1
    assert second.status_code == 302
    assert "not booked twice" in messages_of(second)[-1]


@pytest.mark.parametrize(
    "bad",
    [
        {"day": "9999-12-31"},
        {"day": "0001-01-01"},
        {"day": "not a day"},
        {"time": "25:00"},
        {"option": "999999"},
        {"therapist": "999999"},
        {"client_name": "x" * 500},
    ],
)
def test_bad_input_is_a_400_with_a_message_and_books_nothing(desk, clinic_week, day, bad):
    response = desk.post(BOOK, phone_booking(clinic_week, day, **bad))

    assert response.status_code == 400
    assert errors_of(response)
    assert not Appointment.objects.exists()


def test_the_old_add_address_leads_to_the_phone_booking_page_with_its_query(desk, clinic_week):
    start = f"{timezone.localdate() + timedelta(days=2)}T11:15"
    query = f"therapist={clinic_week.therapist.pk}&start={start}&minutes=60"

    response = desk.get(f"/admin/booking/appointment/add/?{query}")
    page = desk.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == f"{BOOK}?{query}"
    form = BeautifulSoup(page.content, "html.parser")
    assert form.select_one("#id_time")["value"] == "11:15"
    assert form.select_one("#id_therapist option[selected]").get_text() == "Maria Alvarez"
    assert form.select_one("#id_option option[selected]")["value"] == str(clinic_week.option.pk)


@pytest.mark.parametrize(
    "query", ["start=9999-12-31T10:00", "therapist=abc&minutes=%00", "start=x"]
)
def test_a_malformed_calendar_link_opens_an_empty_form(desk, query):
    assert desk.get(f"{BOOK}?{query}").status_code == 200


def test_the_appointment_page_has_buttons_for_what_staff_may_do_and_no_save(desk, clinic_week):
    past = book_someone(clinic_week, clinic_week.therapist, hours_ago(clinic_week))
    page = desk.get(f"/admin/booking/appointment/{past.pk}/change/").content.decode()

    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "/delete/" not in page
    assert f"/admin/appointments/{past.pk}/completed/" in page
    assert f"/admin/appointments/{past.pk}/move/" in page
    assert f"/admin/appointments/{past.pk}/cancel/" in page
    assert "Option" not in BeautifulSoup(page, "html.parser").get_text()


def test_the_completed_button_records_who_and_when(desk, clinic_week):
    past = book_someone(clinic_week, clinic_week.therapist, hours_ago(clinic_week))

    response = desk.post(f"/admin/appointments/{past.pk}/completed/")

    past.refresh_from_db()
    assert response.status_code == 302
    assert past.status == "completed" and past.status_changed_by.username == "desk"


def test_a_session_not_yet_begun_cannot_be_marked_and_says_why(desk, clinic_week, day):
    future = book_someone(clinic_week, clinic_week.therapist, local(day, "10:00"))

    page = desk.get(f"/admin/booking/appointment/{future.pk}/change/").content.decode()
    response = desk.post(f"/admin/appointments/{future.pk}/no-show/")

    assert "/no-show/" not in page
    future.refresh_from_db()
    assert future.status == "booked"
    assert "only once it has started" in messages_of(response)[0]


def test_cancelling_from_the_page_emails_the_client_and_frees_the_time(desk, clinic_week, day):
    future = book_someone(clinic_week, clinic_week.therapist, local(day, "10:00"))

    response = desk.post(f"/admin/appointments/{future.pk}/cancel/", {"reason": "Therapist ill"})

    future.refresh_from_db()
    assert response.status_code == 302
    assert (future.status, future.cancel_reason) == ("cancelled", "Therapist ill")
    assert OutboundEmail.objects.filter(kind="appointment_cancelled").count() == 1


def test_cancelling_from_the_list_uses_the_same_service_and_emails_the_client(
    admin_client, clinic_week, day
):
    appointment = book_someone(clinic_week, clinic_week.therapist, local(day, "10:00"))

    admin_client.post(
        "/admin/booking/appointment/",
        {"action": "cancel_selected", "_selected_action": [appointment.pk]},
    )

    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert OutboundEmail.objects.filter(kind="appointment_cancelled").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/admin/booking/appointment/",
        BOOK,
        "/admin/booking/client/",
        "/admin/booking/outboundemail/",
        "/admin/booking/timeoff/",
        "/admin/booking/clinicclosure/",
        "/admin/booking/bookingpolicy/",
        "/admin/booking/therapist/{therapist}/change/",
    ],
)
def test_booking_screens_open(admin_client, demo, path):
    therapist = Therapist.objects.get(slug="maria-alvarez")

    assert admin_client.get(path.format(therapist=therapist.pk)).status_code == 200


def test_the_appointment_list_makes_the_same_number_of_queries_with_more_appointments(
    admin_client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        admin_client.get("/admin/booking/appointment/")


def test_staff_move_a_booking_through_the_same_rules_and_the_client_is_emailed(
    desk, clinic_week, day
):
    appointment = book_someone(clinic_week, clinic_week.therapist, local(day, "10:00"))
    other = book_someone(clinic_week, clinic_week.therapist, local(day, "14:00"))
    url = f"/admin/appointments/{appointment.pk}/move/"

    taken = desk.post(url, {"day": day.isoformat(), "time": "14:30"})
    moved = desk.post(url, {"day": day.isoformat(), "time": "12:00"})

    assert taken.status_code == 400
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.start).hour == 12
    assert other.pk != appointment.pk
    assert OutboundEmail.objects.filter(kind="appointment_rescheduled").count() == 1


def paid_with_gift(week, start, *, void: bool):
    """A $95 session paid from a $100 certificate, which is then voided (refunded) or not."""
    order = purchase_gift_certificate(
        buyer_name="Bea", buyer_email="bea@example.com", amount="100", notify=False
    )
    certificate = mark_gift_certificate_paid(certificate=order, notify=False)
    appointment = book_appointment(
        option=week.option,
        start=start,
        therapist=week.therapist,
        client=ClientDetails(name="Ann", email="ann@example.com", phone="717-555-0100"),
        gift_code=certificate.code,
        by=staff_user("owner-of-test"),
    )
    if void:
        void_gift_certificate(certificate=certificate, reason="Refunded by card")
    return appointment, certificate


def test_the_cancel_page_says_where_the_gift_amount_goes_back(desk, clinic_week, day):
    appointment, certificate = paid_with_gift(clinic_week, local(day, "10:00"), void=False)

    page = desk.get(f"/admin/appointments/{appointment.pk}/cancel/")
    response = desk.post(f"/admin/appointments/{appointment.pk}/cancel/", {"reason": "Ill"})

    assert f"$95.00 goes back to the gift certificate ending {certificate.code[-4:]}" in (
        BeautifulSoup(page.content, "html.parser").get_text(" ", strip=True)
    )
    assert messages_of(response) == ["Cancelled. The client has been emailed."]
    certificate.refresh_from_db()
    assert certificate.balance == 100


def test_cancelling_a_booking_paid_from_a_void_certificate_warns_before_and_after(
    desk, clinic_week, day
):
    appointment, certificate = paid_with_gift(clinic_week, local(day, "10:00"), void=True)
    ending = certificate.code[-4:]

    page = desk.get(f"/admin/appointments/{appointment.pk}/cancel/")
    response = desk.post(f"/admin/appointments/{appointment.pk}/cancel/", {"reason": "Ill"})

    warning = errors_of(page)
    assert f"$95.00 was paid from the gift certificate ending {ending}, which is void" in warning
    assert "goes back" not in page.content.decode()
    cancelled, kept = messages_of(response)
    assert cancelled == "Cancelled. The client has been emailed."
    assert f"Not credited back: $95.00 paid from the certificate ending {ending}" in kept
    assert certificate.code not in kept  # the last four only: whole codes are spendable
    certificate.refresh_from_db()
    assert certificate.balance == 0


def test_cancelling_from_the_list_warns_what_could_not_go_back_to_a_void_certificate(
    admin_client, clinic_week, day
):
    appointment, certificate = paid_with_gift(clinic_week, local(day, "10:00"), void=True)

    response = admin_client.post(
        "/admin/booking/appointment/",
        {"action": "cancel_selected", "_selected_action": [appointment.pk]},
    )

    assert messages_of(response) == [
        "Cancelled 1 appointment(s).",
        f"Not credited back: $95.00 paid from the certificate ending {certificate.code[-4:]}. "
        "A void certificate takes nothing back: refund or re-issue that amount to the client.",
    ]
