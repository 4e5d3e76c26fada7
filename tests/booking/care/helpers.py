"""Shared set-up for the care loop's tests: a phone booking, a past visit with its intake."""

from datetime import timedelta

from bs4 import BeautifulSoup

from booking.models import Appointment, Intake
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from tests.factories import AppointmentFactory, at, staff_user

NOW = at("2026-03-01 08:00")
ANN = ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100")
INJURY = "Whiplash after a fall, 2019"
GOALS = "Carry my grandchild without pain"
ANSWERS = {
    "zones": ["upper_back"],
    "duration": "months_years",
    "pressure": "4",
    "previous_injuries": INJURY,
    "goals": GOALS,
    "pain": "6",
    "activity_1": "Sitting at a desk",
    "activity_1_score": "4",
    "activity_2_own": "Gardening",
    "activity_2_score": "3",
    "consent_name": "Ann Client",
}


def phone_booking(week, start: str = "2026-03-10 10:00") -> Appointment:
    """A booking made by the front desk on the phone: no intake."""
    return book_appointment(
        option=week.option,
        start=at(start),
        client=ANN,
        therapist=week.therapist,
        by=staff_user("desk", role="Front desk"),
        now=NOW,
    )


def past_visit(week, client, start: str, **intake) -> Appointment:
    appointment = AppointmentFactory(
        therapist=week.therapist,
        option=week.option,
        client=client,
        start=at(start),
        status=Appointment.Status.COMPLETED,
    )
    defaults = {"zones": ["upper_back"], "duration": "weeks", "pressure": 3, "consent": True}
    Intake.objects.create(appointment=appointment, **(defaults | intake))
    return appointment


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def later(days: int) -> timedelta:
    return timedelta(days=days)
