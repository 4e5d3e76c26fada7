"""Calendar files and links for an appointment, so it lands in the client's own calendar."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from booking.models import Appointment, Clinic


def _title(appointment: Appointment, clinic: Clinic | None) -> str:
    where = clinic.name if clinic else "the clinic"
    return f"{appointment.option.service.name} at {where}"


def appointment_ics(appointment: Appointment, clinic: Clinic | None, manage_url: str) -> str:
    """An iCalendar file; a cancelled appointment yields a cancellation of the same event."""
    cancelled = appointment.status == Appointment.Status.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Focused Care//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{settings.SITE_URL.split('//')[-1]}")
    event.add("dtstamp", timezone.now())
    event.add("sequence", int(timezone.now().timestamp()))
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", _title(appointment, clinic))
    event.add("description", f"With {appointment.therapist.name}. Change or cancel: {manage_url}")
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if clinic:
        event.add("location", f"{clinic.name}, {clinic.address_line}")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(appointment: Appointment, clinic: Clinic | None, manage_url: str) -> str:
    query = {
        "action": "TEMPLATE",
        "text": _title(appointment, clinic),
        "dates": f"{_utc_stamp(appointment.start)}/{_utc_stamp(appointment.end)}",
        "details": f"With {appointment.therapist.name}. Change or cancel: {manage_url}",
        "location": f"{clinic.name}, {clinic.address_line}" if clinic else "",
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
