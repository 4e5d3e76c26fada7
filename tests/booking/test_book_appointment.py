"""Booking, moving and cancelling: the rules every path obeys, and no double booking ever."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from booking.exceptions import (
    AlreadyBooked,
    NotBookable,
    OutsideChangeWindow,
    SlotUnavailable,
)
from booking.models import Appointment, Client, OutboundEmail
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from booking.services.clients import ClientDetails
from tests.factories import AppointmentFactory, TherapistFactory, at, staff_user, week_of_hours

NOW = at("2026-03-01 08:00")
ANN = ClientDetails(name="Ann Client", email="Ann@Example.com", phone="717-555-0100")


def book(week, start, **kwargs) -> Appointment:
    kwargs.setdefault("therapist", week.therapist)
    return book_appointment(option=week.option, start=start, client=ANN, now=NOW, **kwargs)


@pytest.mark.django_db
def test_booking_stores_the_session_its_buffer_the_price_and_the_client(clinic_week):
    appointment = book(clinic_week, at("2026-03-10 10:00"))

    assert appointment.start == at("2026-03-10 10:00")
    assert appointment.end == at("2026-03-10 11:00")
    assert appointment.blocked_until == at("2026-03-10 11:15")
    assert appointment.price == clinic_week.option.price
    assert appointment.client.email == "ann@example.com"
    assert len(appointment.token) >= 32


@pytest.mark.django_db
def test_a_returning_client_is_matched_by_email_whatever_its_case(clinic_week):
    book(clinic_week, at("2026-03-10 10:00"))
    again = ClientDetails(name="Ann C.", email="ANN@example.COM", phone="717-555-0199")

    second = book_appointment(
        option=clinic_week.option, start=at("2026-03-11 10:00"), client=again, now=NOW
    )

    assert Client.objects.count() == 1
    assert second.client == Client.objects.get()


@pytest.mark.django_db
def test_booking_rejects_a_start_inside_the_previous_sessions_buffer(clinic_week):
    book(clinic_week, at("2026-03-10 10:00"))

    with pytest.raises(SlotUnavailable):
        book(clinic_week, at("2026-03-10 11:00"))
    assert book(clinic_week, at("2026-03-10 11:15")).start == at("2026-03-10 11:15")


@pytest.mark.django_db
def test_booking_rejects_times_outside_working_hours_and_in_the_past(clinic_week):
    with pytest.raises(SlotUnavailable):
        book(clinic_week, at("2026-03-10 16:30"))
    with pytest.raises(SlotUnavailable):
        book(clinic_week, at("2026-02-27 10:00"))
    with pytest.raises(SlotUnavailable):
        book(clinic_week, at("2026-03-10 10:05"))
    assert Appointment.objects.count() == 0


@pytest.mark.django_db
def test_staff_may_book_inside_the_minimum_notice_but_not_outside_working_hours(clinic_week):
    soon = NOW + timedelta(hours=2)

    with pytest.raises(SlotUnavailable):
        book(clinic_week, at("2026-03-01 10:00"))
    appointment = book(clinic_week, at("2026-03-01 10:00"), by=staff_user())

    assert appointment.start > soon - timedelta(hours=1)
    with pytest.raises(SlotUnavailable):
        book(clinic_week, at("2026-03-01 20:00"), by=staff_user())


@pytest.mark.django_db
def test_a_therapist_who_does_not_offer_the_service_cannot_be_booked_for_it(clinic_week):
    other = TherapistFactory()
    week_of_hours(other, [("09:00", "17:00")])

    with pytest.raises(NotBookable):
        book(clinic_week, at("2026-03-10 10:00"), therapist=other)


@pytest.mark.django_db
def test_first_available_assigns_the_free_therapist_with_fewer_bookings_that_day(clinic_week):
    second = TherapistFactory(name="Priya Shah", services=[clinic_week.service], order=5)
    week_of_hours(second, [("09:00", "17:00")])
    book(clinic_week, at("2026-03-10 09:00"))

    appointment = book(clinic_week, at("2026-03-10 13:00"), therapist=None)

    assert appointment.therapist == second


@pytest.mark.django_db
def test_the_same_form_sent_twice_books_once(clinic_week):
    first = book(clinic_week, at("2026-03-10 10:00"), request_key="form-123")

    with pytest.raises(AlreadyBooked) as refused:
        book(clinic_week, at("2026-03-10 13:00"), request_key="form-123")

    assert refused.value.appointment == first
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_booking_queues_the_confirmation_and_the_clinic_notice_in_the_same_transaction(
    clinic_week,
):
    appointment = book(clinic_week, at("2026-03-10 10:00"))

    kinds = set(appointment.emails.values_list("kind", "status"))
    assert kinds == {("appointment_booked", "pending"), ("clinic_booked", "pending")}


@pytest.mark.django_db
def test_a_failed_booking_leaves_no_client_and_no_email(clinic_week):
    book(clinic_week, at("2026-03-10 10:00"))
    stranger = ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0111")

    with pytest.raises(SlotUnavailable):
        book_appointment(
            option=clinic_week.option,
            start=at("2026-03-10 10:30"),
            client=stranger,
            therapist=clinic_week.therapist,
            now=NOW,
        )

    assert not Client.objects.filter(email="bo@example.com").exists()
    assert OutboundEmail.objects.count() == 2


@pytest.mark.django_db
def test_rescheduling_moves_the_session_keeps_the_therapist_and_frees_the_old_time(clinic_week):
    appointment = book(clinic_week, at("2026-03-10 10:00"))

    moved = reschedule_appointment(appointment=appointment, start=at("2026-03-12 14:00"), now=NOW)

    assert moved.start == at("2026-03-12 14:00")
    assert moved.blocked_until == at("2026-03-12 15:15")
    assert book(clinic_week, at("2026-03-10 10:00")).therapist == clinic_week.therapist


@pytest.mark.django_db
def test_rescheduling_onto_a_taken_time_is_refused_and_changes_nothing(clinic_week):
    appointment = book(clinic_week, at("2026-03-10 10:00"))
    book(clinic_week, at("2026-03-12 14:00"))

    with pytest.raises(SlotUnavailable):
        reschedule_appointment(appointment=appointment, start=at("2026-03-12 14:30"), now=NOW)

    appointment.refresh_from_db()
    assert appointment.start == at("2026-03-10 10:00")


@pytest.mark.django_db
def test_a_rescheduled_booking_may_overlap_its_own_old_time(clinic_week):
    appointment = book(clinic_week, at("2026-03-10 10:00"))

    moved = reschedule_appointment(appointment=appointment, start=at("2026-03-10 10:30"), now=NOW)

    assert moved.start == at("2026-03-10 10:30")


@pytest.mark.django_db
def test_clients_cannot_change_a_booking_inside_the_window_but_staff_can(clinic_week):
    appointment = book(clinic_week, at("2026-03-02 10:00"))
    late = at("2026-03-01 12:00")

    with pytest.raises(OutsideChangeWindow):
        cancel_appointment(appointment=appointment, now=late)
    with pytest.raises(OutsideChangeWindow):
        reschedule_appointment(appointment=appointment, start=at("2026-03-05 10:00"), now=late)
    cancelled = cancel_appointment(appointment=appointment, by=staff_user(), now=late)

    assert cancelled.status == Appointment.Status.CANCELLED


@pytest.mark.django_db
def test_cancelling_frees_the_time_and_records_why(clinic_week):
    appointment = book(clinic_week, at("2026-03-10 10:00"))

    cancel_appointment(appointment=appointment, reason="  Flu  ", now=NOW)

    appointment.refresh_from_db()
    assert appointment.cancel_reason == "Flu"
    assert appointment.cancelled_at == NOW
    assert book(clinic_week, at("2026-03-10 10:00")).status == Appointment.Status.BOOKED


def _race(week, attempts: int = 20) -> tuple[int, int, list[Exception]]:
    """`attempts` threads try to book the same slot at the same moment."""
    barrier = threading.Barrier(attempts)
    booked, refused, crashed = [], [], []

    def attempt(n: int) -> None:
        details = ClientDetails(name=f"Client {n}", email=f"c{n}@example.com", phone="7175550100")
        try:
            barrier.wait()
            book_appointment(
                option=week.option,
                start=at("2026-03-10 10:00"),
                client=details,
                therapist=week.therapist,
                now=NOW,
            )
            booked.append(n)
        except SlotUnavailable:
            refused.append(n)
        except Exception as error:  # noqa: BLE001 - any other failure is what the test reports
            crashed.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(booked), len(refused), crashed


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_one_slot_leave_one_appointment_and_19_refusals(
    clinic_week,
):
    booked, refused, crashed = _race(clinic_week)

    assert crashed == []
    assert (booked, refused) == (1, 19)
    assert Appointment.objects.filter(therapist=clinic_week.therapist).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the exclusion constraint exists on PostgreSQL only; SQLite serialises writers",
)
@pytest.mark.django_db
def test_the_database_itself_refuses_an_overlap_written_past_the_booking_service(clinic_week):
    AppointmentFactory(therapist=clinic_week.therapist, start=at("2026-03-10 10:00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            client=Appointment.objects.get().client,
            therapist=clinic_week.therapist,
            option=clinic_week.option,
            price=clinic_week.option.price,
            start=at("2026-03-10 11:10"),
            end=at("2026-03-10 12:10"),
            blocked_until=at("2026-03-10 12:25"),
        )
    back_to_back = AppointmentFactory(therapist=clinic_week.therapist, start=at("2026-03-10 11:15"))
    cancelled = AppointmentFactory(
        therapist=clinic_week.therapist, start=at("2026-03-10 10:30"), status="cancelled"
    )
    assert back_to_back.pk and cancelled.pk
