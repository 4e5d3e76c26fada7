"""The booking flow and the client's booking page over HTTP, as a browser without JavaScript
would use them: every step a plain GET, details and confirmation as POSTs."""

import re
from datetime import datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from icalendar import Calendar

from booking.models import Appointment
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from tests.factories import at

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann Client", "email": "ann@example.com", "phone": "717-555-0100"}
INTAKE = {"zones": ["lower_back"], "duration": "weeks", "pressure": "3"}
DETAILS = {**CONTACT, **INTAKE}


@pytest.fixture
def day():
    """A day comfortably inside the notice and the horizon."""
    return timezone.localdate() + timedelta(days=3)


def flow(day, hour="10:00", therapist="maria") -> dict:
    return {
        "service": "deep-tissue",
        "minutes": "60",
        "therapist": therapist,
        "day": day.isoformat(),
        "time": hour,
    }


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def local(day, hour: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hour), tzinfo=timezone.get_current_timezone())


def confirm(client, day, hour="10:00", **extra):
    return client.post("/book/", {**flow(day, hour), **DETAILS, "confirm": "1", **extra})


def test_each_step_links_to_the_next_and_confirming_books_and_shows_the_booking(
    client, clinic_week, day
):
    start = page(client.get("/book/"))
    assert start.find("a", href="/book/?service=deep-tissue&minutes=60")
    # One length only: the service alone opens its times, first available.
    for url in ("/book/?service=deep-tissue", "/book/?service=deep-tissue&minutes=60"):
        times = page(client.get(url))
        assert times.find("h2", string="Choose a time")
        assert times.find("option", selected=True).get_text() == "First available"
    day_link = f"/book/?service=deep-tissue&minutes=60&therapist=any&day={day.isoformat()}"
    # The old day link opens the times page from that day.
    assert page(client.get(day_link)).find("a", class_="time", href=f"{day_link}&time=09:00")
    assert times.find("a", href=f"{day_link}&time=10:00")
    details = client.get(f"{day_link}&time=10:00")
    assert "You'll see" in details.content.decode() and "Maria Alvarez" in details.content.decode()

    review = client.post("/book/", {**flow(day, therapist="any"), **DETAILS})
    assert review.status_code == 200
    assert "Check and confirm" in review.content.decode()
    assert not Appointment.objects.exists()
    key = page(review).find("input", attrs={"name": "request_key"})["value"]
    booked = client.post(
        "/book/",
        {
            **flow(day, therapist="any"),
            **DETAILS,
            "assigned": "maria",
            "request_key": key,
            "confirm": "1",
        },
    )

    appointment = Appointment.objects.get()
    assert booked.status_code == 302
    assert booked["Location"] == f"/booking/{appointment.token}/"
    assert appointment.start == local(day, "10:00")
    assert appointment.therapist == clinic_week.therapist
    shown = page(client.get(booked["Location"])).get_text(" ", strip=True)
    assert "You're booked" in shown and "Maria Alvarez" in shown


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("service=no-such-massage", "We don't offer that massage online"),
        ("service=deep-tissue&minutes=45", "isn't offered for 45 minutes"),
        ("service=deep-tissue&minutes=abc", "Enter a whole number"),
        ("service=deep-tissue&minutes=60&therapist=nobody", "can't find that therapist"),
        ("service=deep-tissue&minutes=60&therapist=any&day=2026-02-30", "That date isn't valid"),
        ("service=deep-tissue&minutes=60&therapist=any&day=yesterday", "That date isn't valid"),
        ("service=deep-tissue&minutes=60&therapist=any&day=2020-01-01", "can no longer be booked"),
        ("service=deep-tissue&minutes=60&therapist=any&day=2099-01-01", "up to 60 days ahead"),
    ],
)
def test_bad_links_get_a_clear_message_and_400(client, clinic_week, query, message):
    response = client.get(f"/book/?{query}")

    assert response.status_code == 400
    assert message in page(response).find(role="alert").get_text()


@pytest.mark.parametrize("hour", ["03:00", "10:05", "25:00", "ten"])
def test_a_time_outside_the_free_times_gets_a_message_and_400(client, clinic_week, day, hour):
    response = client.get("/book/", flow(day, hour))

    assert response.status_code == 400
    assert page(response).find(role="alert")
    assert not Appointment.objects.exists()


def test_bad_details_are_refused_with_messages_and_what_was_typed_kept(client, clinic_week, day):
    typed = {"name": "A", "email": "ann-at-example", "phone": "call me"}

    response = client.post("/book/", {**flow(day), **typed})

    form = page(response)
    assert response.status_code == 400
    assert form.find("input", attrs={"name": "email"})["value"] == "ann-at-example"
    assert form.find("input", attrs={"name": "phone"})["value"] == "call me"
    errors = " ".join(e.get_text() for e in form.select(".invalid-feedback"))
    assert "Please tell us your name." in errors
    assert "Enter a valid email address." in errors
    assert "phone number we can call" in errors
    assert not Appointment.objects.exists()


def test_oversized_input_is_refused_not_truncated_or_crashed(client, clinic_week, day):
    response = client.post("/book/", {**flow(day), **DETAILS, "name": "x" * 5000})

    assert response.status_code == 400
    assert "at most 120 characters" in response.content.decode()


def test_a_time_taken_while_the_client_typed_sends_them_back_to_the_times_with_alternatives(
    client, clinic_week, day
):
    book_appointment(
        option=clinic_week.option,
        start=local(day, "10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0111"),
    )
    client.post("/book/", {**flow(day), **DETAILS})

    response = confirm(client, day)

    assert response.status_code == 409
    text = page(response).get_text(" ", strip=True)
    assert "Sorry, that time was just taken." in text
    alternatives = [a["href"] for a in page(response).select(".alternatives a.time")]
    # 10:00 is held until 11:15 (buffer); 9:00 would run into it, so the nearest come after.
    near = [f"day={day.isoformat()}&time={hour}" for hour in ("11:15", "11:30", "11:45")]
    assert [href.split("&", 3)[-1] for href in alternatives] == near
    assert Appointment.objects.count() == 1
    details = page(client.get("/book/", flow(day, "13:00")))
    assert details.find("input", attrs={"name": "email"})["value"] == "ann@example.com"


def test_sending_the_confirmation_twice_books_once_and_says_so(client, clinic_week, day):
    first = confirm(client, day, request_key="one-form")
    second = confirm(client, day, "13:00", request_key="one-form")

    assert first.status_code == 302
    assert second.status_code == 409
    assert "did not book it twice" in second.content.decode()
    assert Appointment.objects.count() == 1


@pytest.fixture
def booking(clinic_week, day) -> Appointment:
    return book_appointment(
        option=clinic_week.option,
        start=local(day, "10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(**CONTACT),
    )


def test_the_booking_page_shows_the_details_and_a_calendar_file(client, booking):
    response = client.get(f"/booking/{booking.token}/")
    text = page(response).get_text(" ", strip=True)

    assert response.status_code == 200
    assert "Deep Tissue, 60 minutes" in text and "Maria Alvarez" in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    ics = client.get(f"/booking/{booking.token}/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert event.decoded("dtstart") == booking.start


@pytest.mark.parametrize(
    "suffix", ["", "calendar.ics", "reschedule/", "cancel/"], ids=["page", "ics", "move", "cancel"]
)
def test_a_tampered_or_unknown_token_gives_404(client, booking, suffix):
    tampered = booking.token[:-2] + ("AA" if not booking.token.endswith("AA") else "BB")

    assert client.get(f"/booking/{tampered}/{suffix}").status_code == 404
    assert client.get(f"/booking/{booking.pk}/{suffix}").status_code == 404


def test_the_client_reschedules_with_their_link_after_confirming(client, booking, day):
    new_day = day + timedelta(days=1)
    url = f"/booking/{booking.token}/reschedule/"
    times = page(client.get(url, {"day": new_day.isoformat()}))
    link = times.find("a", class_="time", href=f"{url}?therapist=maria&day={new_day}&time=14:00")

    confirming = client.get(link["href"])

    booking.refresh_from_db()
    assert booking.start == local(day, "10:00")  # choosing a time moves nothing yet
    assert "Move your appointment?" in page(confirming).get_text()
    response = client.post(url, {"day": new_day.isoformat(), "time": "14:00"})
    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.start == local(new_day, "14:00")
    assert "has been moved" in page(client.get(response["Location"])).get_text()


@pytest.mark.parametrize(
    ("data", "status"),
    [({"time": "10:00"}, 409), ({"time": "nonsense"}, 400), ({"time": "03:00"}, 409)],
)
def test_a_bad_or_taken_new_time_is_refused_and_the_booking_is_unchanged(
    client, clinic_week, booking, day, data, status
):
    new_day = day + timedelta(days=1)
    book_appointment(
        option=clinic_week.option,
        start=local(new_day, "10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0111"),
    )

    response = client.post(
        f"/booking/{booking.token}/reschedule/", {"day": new_day.isoformat(), **data}
    )

    assert response.status_code == status
    assert page(response).find(role="alert")
    booking.refresh_from_db()
    assert booking.start == local(day, "10:00")


def test_the_client_cancels_with_a_reason(client, booking):
    assert "Yes, cancel it" in client.get(f"/booking/{booking.token}/cancel/").content.decode()

    response = client.post(f"/booking/{booking.token}/cancel/", {"reason": "Feeling better"})

    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.status == "cancelled"
    assert booking.cancel_reason == "Feeling better"
    assert client.post(f"/booking/{booking.token}/cancel/").status_code == 409


def test_inside_the_window_the_page_explains_and_gives_the_phone_number(client, booking):
    booking.start = timezone.now() + timedelta(hours=5)
    booking.end = booking.start + timedelta(hours=1)
    booking.blocked_until = booking.end
    booking.save()

    shown = page(client.get(f"/booking/{booking.token}/")).get_text(" ", strip=True)
    refused = client.post(f"/booking/{booking.token}/cancel/", {"reason": "x"})

    assert "can't be changed online" in shown and "(717) 555-0142" in shown
    assert refused.status_code == 409
    assert "(717) 555-0142" in page(refused).find("main").get_text()
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_first_available_never_books_someone_other_than_the_therapist_shown(
    client, clinic_week, day
):
    from tests.factories import TherapistFactory, week_of_hours

    james = TherapistFactory(name="James Whitaker", slug="james", services=[clinic_week.service])
    week_of_hours(james, [("09:00", "17:00")])
    review = client.post("/book/", {**flow(day, therapist="any"), **DETAILS})
    shown = page(review).find("input", attrs={"name": "assigned"})["value"]
    taken = clinic_week.therapist if shown == "maria" else james
    book_appointment(
        option=clinic_week.option,
        start=local(day, "10:00"),
        therapist=taken,
        client=ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0111"),
    )

    response = client.post(
        "/book/", {**flow(day, therapist="any"), **DETAILS, "assigned": shown, "confirm": "1"}
    )

    assert response.status_code == 409
    other = james if taken == clinic_week.therapist else clinic_week.therapist
    assert f"{other.name} is free instead" in page(response).get_text(" ", strip=True)
    assert Appointment.objects.count() == 1
    assert page(response).find("input", attrs={"name": "assigned"})["value"] == other.slug


def listed_days(response) -> list[str]:
    """The days the page of times lists, in order (from its time links)."""
    days = [re.search(r"day=([\d-]+)", a["href"])[1] for a in page(response).select("a.time")]
    return list(dict.fromkeys(days))


def test_later_and_earlier_days_page_on_and_back_and_an_unusable_from_starts_at_the_first_day(
    client, clinic_week
):
    url = "/book/?service=deep-tissue&minutes=60&therapist=maria"
    first = client.get(url)
    later = page(first).find("a", string="Later days")["href"]

    following = client.get(later)
    earlier = page(following).find("a", string="Earlier days")["href"]

    assert following.status_code == 200
    assert len(listed_days(first)) == 5
    assert listed_days(following)[0] > listed_days(first)[-1]
    assert listed_days(client.get(earlier)) == listed_days(first)
    assert not page(first).find("a", string="Earlier days")
    for unusable in ("nonsense", "2020-01-01"):
        assert listed_days(client.get(f"{url}&from={unusable}")) == listed_days(first)


def test_moving_starts_with_the_times_and_pages_on_from_a_later_day(client, booking, day):
    url = f"/booking/{booking.token}/reschedule/"

    days = client.get(url)
    later = client.get(url, {"day": (day + timedelta(days=20)).isoformat()})
    old_later = client.get(url, {"from": (day + timedelta(days=20)).isoformat()})

    assert days.status_code == 200
    assert len(listed_days(days)) == 5 and day.isoformat() in listed_days(days)
    assert listed_days(later)[0] == (day + timedelta(days=20)).isoformat()
    assert listed_days(old_later) == listed_days(later)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("bad_day", ["2020-01-01", "2099-01-01", "soon"])
def test_moving_to_a_day_not_listed_is_refused_with_the_days_and_400(
    client, booking, day, method, bad_day
):
    url = f"/booking/{booking.token}/reschedule/"

    response = getattr(client, method)(url, {"day": bad_day, "time": "10:00"})

    assert response.status_code == 400
    assert "choose one of the days listed" in page(response).find(role="alert").get_text()
    assert listed_days(response) == listed_days(client.get(url))
    booking.refresh_from_db()
    assert booking.start == local(day, "10:00")


def test_inside_the_window_moving_is_refused_with_the_phone_number(client, booking):
    booking.start = timezone.now() + timedelta(hours=5)
    booking.end = booking.start + timedelta(hours=1)
    booking.blocked_until = booking.end
    booking.save()
    before = booking.start
    url = f"/booking/{booking.token}/reschedule/"

    shown = client.get(url)
    refused = client.post(url, {"day": timezone.localdate().isoformat(), "time": "16:00"})

    assert [shown.status_code, refused.status_code] == [409, 409]
    assert "(717) 555-0142" in page(refused).find("main").get_text()
    booking.refresh_from_db()
    assert booking.start == before


@pytest.mark.parametrize(
    "path",
    [
        "/booking/abc%00/",
        "/booking/abc%00/calendar.ics",
        "/booking/abc%00/reschedule/",
        "/booking/abc%00/cancel/",
        "/gift-certificates/%00/",
        "/gift-certificates/%00/thanks/",
        "/booking/" + "x" * 500 + "/",
    ],
)
def test_a_private_link_with_characters_no_token_has_is_simply_not_found(client, path):
    assert client.get(path).status_code == 404


def test_far_dates_in_the_booking_and_reschedule_addresses_are_ignored_not_a_500(
    client, clinic_week
):
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(name="Ann", email="ann@example.com", phone="717-555-0100"),
        now=at("2026-03-01 08:00"),
    )
    query = f"service={clinic_week.service.slug}&minutes=60&therapist=maria"

    days = client.get(f"/book/?{query}&from=9999-12-31")
    moves = client.get(f"{appointment.get_absolute_url()}reschedule/?from=9999-12-31")

    assert days.status_code == 200
    assert moves.status_code in {200, 409}  # 409 once the change window has passed
