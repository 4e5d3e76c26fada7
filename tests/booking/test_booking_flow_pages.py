"""The booking flow's pages over HTTP, as a browser without JavaScript uses them: the page of
times, the error summary, the answers carried from find-my-massage, the truthful change window,
moving a booking (confirmed, to another therapist too) and the emergency stop's way back."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Appointment, BookingPolicy, Intake
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from booking.times import times_page
from focusedcare.cache import forget_local_copies
from tests.booking.test_views_book import CONTACT, DETAILS, INTAKE, flow, listed_days, local
from tests.factories import TherapistFactory, week_of_hours

pytestmark = pytest.mark.django_db

TIMES = "/book/?service=deep-tissue&minutes=60"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def text(response) -> str:
    return soup(response).get_text(" ", strip=True)


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


@pytest.fixture
def james(clinic_week):
    """A second therapist for the same massage, working afternoons only."""
    service = clinic_week.service
    therapist = TherapistFactory(name="James Whitaker", slug="james", services=[service])
    week_of_hours(therapist, [("13:00", "17:00")])
    return therapist


# The page of times


def test_the_times_page_shows_five_days_with_times_grouped_by_day_each_time_a_link(
    client, clinic_week
):
    response = client.get(TIMES)

    page = soup(response)
    days = page.select("section.day-times")
    assert response.status_code == 200
    assert len(days) == 5
    for section in days:
        links = section.select("a.time")
        assert links, section.h3.get_text()
        for link in links:
            # Each time carries its day and time: shareable, and the back button works.
            assert link["href"].startswith(f"{TIMES}&therapist=any&day=")
            assert "&time=" in link["href"]
    assert "Times are Eastern Time." in text(response)
    assert text(response).count("Eastern Time") == 1


def test_days_without_free_times_are_skipped_so_five_days_with_times_still_show(
    client, clinic_week
):
    week_of_hours(TherapistFactory(slug="solo", services=[clinic_week.service]), [], days=[])
    clinic_week.therapist.working_hours.exclude(weekday__in=[1, 3]).delete()

    shown = listed_days(client.get(TIMES))

    assert len(shown) == 5
    assert {timezone.datetime.fromisoformat(d).weekday() for d in shown} == {1, 3}


def test_the_therapist_filter_shows_only_that_therapists_times_and_first_available_all(
    client, clinic_week, james, day
):
    everyone = soup(client.get(f"{TIMES}&day={day}"))
    only_james = soup(client.get(f"{TIMES}&therapist=james&day={day}"))

    options = [o.get_text() for o in everyone.select("select[name=therapist] option")]
    assert options[0] == "First available"
    assert sorted(options[1:]) == ["James Whitaker", "Maria Alvarez"]
    assert everyone.find("option", selected=True)["value"] == "any"
    assert only_james.find("option", selected=True)["value"] == "james"
    first_day = only_james.select_one("section.day-times")
    assert first_day.select_one("a.time").get_text() == "1:00 PM"  # James starts at 1 pm
    assert everyone.select_one("section.day-times a.time").get_text() == "9:00 AM"
    for link in only_james.select("a.time"):
        assert "therapist=james" in link["href"]


def test_later_and_earlier_pages_follow_on_without_gaps_or_overlap(client, clinic_week):
    first = client.get(TIMES)
    second = client.get(soup(first).find("a", string="Later days")["href"])
    third = client.get(soup(second).find("a", string="Later days")["href"])
    back = client.get(soup(third).find("a", string="Earlier days")["href"])

    days = listed_days(first) + listed_days(second) + listed_days(third)
    assert len(set(days)) == len(days) == 15
    assert days == sorted(days)
    assert listed_days(back) == listed_days(second)


def queries_for(client, url: str) -> int:
    """Queries on a visit with nothing remembered yet (free slots, the clinic's settings)."""
    cache.clear()
    forget_local_copies()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_times_page_makes_the_same_number_of_queries_whatever_it_shows(
    client, clinic_week, day
):
    urls = [TIMES, f"{TIMES}&day={day + timedelta(days=30)}", f"{TIMES}&therapist=maria"]
    sparse = [queries_for(client, url) for url in urls]
    for n in range(5):
        therapist = TherapistFactory(services=[clinic_week.service])
        week_of_hours(therapist, [("08:00", "12:00"), ("13:00", "20:00")])
        for k in range(3 * n):
            book_appointment(
                option=clinic_week.option,
                start=local(day + timedelta(days=k), "08:00" if k % 2 else "14:00"),
                therapist=therapist,
                client=ClientDetails(name="Bo", email=f"bo{n}@example.com", phone="7175550111"),
            )

    assert [queries_for(client, url) for url in urls] == sparse


# The error summary


def test_the_error_summary_comes_first_takes_focus_and_links_to_each_field(
    client, clinic_week, day
):
    response = client.post("/book/", {**flow(day), "name": "A", "email": "nope"})

    page = soup(response)
    summary = page.find(id="error-summary")
    assert response.status_code == 400
    first_in_main = page.find("main").find(lambda tag: tag.name in ("div", "section", "header"))
    assert first_in_main.find(id="error-summary") or first_in_main.get("id") == "error-summary"
    assert summary["tabindex"] == "-1" and summary.has_attr("autofocus")
    assert summary.h2.get_text() == "Please check these 5 answers"  # pressure too: not posted
    links = {a["href"]: a.get_text() for a in summary.find_all("a")}
    for anchor in ("#id_name", "#id_email", "#id_phone", "#id_zones_0", "#id_pressure_0"):
        assert anchor in links
        assert page.find(id=anchor[1:]), f"{anchor} links to nothing"
    assert "Where does it hurt?" in links["#id_zones_0"]
    assert "#id_duration_0" not in links  # how long it has hurt is optional


def test_no_error_summary_on_a_fresh_details_page(client, clinic_week, day):
    assert not soup(client.get("/book/", flow(day))).find(id="error-summary")


# Find-my-massage answers carried into the intake


def test_find_my_massage_answers_fill_in_the_intake_and_never_go_in_an_address(
    client, clinic_week, day
):
    answered = client.post(
        "/find-my-massage/",
        {"areas": ["leg", "lower_back"], "duration": "months_years", "feelings": [], "note": ""},
    )
    assert answered.status_code == 200
    for link in soup(answered).find_all("a", href=True):
        assert "leg" not in link["href"].split("?")[-1]

    page = soup(client.get("/book/", flow(day)))

    ticked = {box["value"] for box in page.select("input[name=zones][checked]")}
    assert ticked == {"leg", "lower_back"}
    assert page.select_one("input[name=duration][checked]")["value"] == "months_years"
    assert "from your find-my-massage answers" in page.get_text()


def test_without_find_my_massage_nothing_is_ticked_for_the_client(client, clinic_week, day):
    page = soup(client.get("/book/", flow(day)))

    assert not page.select("input[name=zones][checked]")
    assert not page.select("input[name=duration][checked]")


def test_a_forged_carried_answer_is_ignored(client, clinic_week, day):
    client.cookies["carried_answers"] = '{"zones": ["leg"], "duration": "weeks"}'  # unsigned

    page = soup(client.get("/book/", flow(day)))

    assert not page.select("input[name=zones][checked]")


def test_booking_forgets_the_carried_answers(client, clinic_week, day):
    client.post("/find-my-massage/", {"areas": ["leg"], "duration": "weeks"})

    booked = client.post("/book/", {**flow(day), **DETAILS, "confirm": "1"})

    assert booked.status_code == 302
    assert booked.cookies["carried_answers"].value == ""
    assert not soup(client.get("/book/", flow(day, "14:00"))).select("input[name=zones][checked]")


# The truthful change window


def review(client, day, hour="10:00"):
    return client.post("/book/", {**flow(day, hour), **DETAILS})


def test_the_review_gives_the_last_moment_to_change_online(client, clinic_week, day):
    shown = text(review(client, day))

    before = day - timedelta(days=1)
    assert f"change or cancel online until {before:%A, %B} {before.day} at 10:00 AM" in shown


def test_inside_the_change_window_the_review_says_changes_need_a_phone_call(
    client, clinic_week, day
):
    BookingPolicy.objects.create(change_window_hours=24 * 5)

    shown = text(review(client, day))

    assert "can't be changed or cancelled online once booked" in shown
    assert "(717) 555-0142" in shown
    assert "change or cancel online until" not in shown


# Moving a booking


@pytest.fixture
def booking(clinic_week, day) -> Appointment:
    return book_appointment(
        option=clinic_week.option,
        start=local(day, "10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(**CONTACT),
    )


def test_moving_shows_the_current_booking_and_asks_before_moving(client, booking, day):
    url = f"/booking/{booking.token}/reschedule/"
    times = client.get(url)
    assert f"on {day:%A, %B} {day.day} at 10:00 AM with Maria Alvarez" in text(times)
    link = soup(times).select("a.time")[3]["href"]

    confirming = client.get(link)

    shown = text(confirming)
    assert "Move your appointment?" in shown
    assert f"Now {day:%A, %B} {day.day} at 10:00 AM with Maria Alvarez" in shown
    assert soup(confirming).find("button", string="Yes, move my appointment")
    booking.refresh_from_db()
    assert booking.start == local(day, "10:00")


def test_moving_to_another_therapist_who_gives_the_massage(client, booking, james, day):
    url = f"/booking/{booking.token}/reschedule/"
    options = soup(client.get(url)).select("select[name=therapist] option")
    assert options[0].get_text() == "Any therapist"
    assert sorted(o.get_text() for o in options[1:]) == ["James Whitaker", "Maria Alvarez"]
    assert soup(client.get(url)).find("option", selected=True)["value"] == "maria"
    times = soup(client.get(url, {"therapist": "james", "day": day.isoformat()}))
    link = times.select_one("section.day-times a.time")
    assert link.get_text() == "1:00 PM"
    confirming = client.get(link["href"])
    assert "1:00 PM with James Whitaker" in text(confirming)

    moved = client.post(url, {"day": day.isoformat(), "time": "13:00", "therapist": "james"})

    booking.refresh_from_db()
    assert moved.status_code == 302
    assert booking.therapist == james
    assert booking.start == local(day, "13:00")


def test_moving_to_a_therapist_who_does_not_give_the_massage_is_refused(
    client, booking, day, clinic_week
):
    TherapistFactory(slug="other")  # offers nothing
    url = f"/booking/{booking.token}/reschedule/"

    response = client.post(url, {"day": day.isoformat(), "time": "14:00", "therapist": "other"})

    assert response.status_code == 400
    assert soup(response).find(role="alert")
    booking.refresh_from_db()
    assert booking.therapist == clinic_week.therapist and booking.start == local(day, "10:00")


def test_a_shared_confirmation_link_for_a_time_taken_since_shows_the_times_instead(
    client, booking, clinic_week, day
):
    book_appointment(
        option=clinic_week.option,
        start=local(day, "14:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0111"),
    )
    url = f"/booking/{booking.token}/reschedule/"

    response = client.get(url, {"therapist": "maria", "day": day.isoformat(), "time": "14:00"})

    assert response.status_code == 409
    assert soup(response).find(role="alert")
    assert not soup(response).find("button", string="Yes, move my appointment")


# The emergency stop's way back


def test_the_emergency_stop_goes_back_to_the_answers_with_only_that_box_unticked(
    client, clinic_week, day
):
    typed = {**INTAKE, "red_flags": ["bladder_bowel", "accident"], "goals": "Sleep better"}
    stopped = client.post("/book/", {**flow(day), **CONTACT, **typed})
    assert "Please get medical help today" in text(stopped)
    way_back = soup(stopped).find("form", class_="way-back")
    data: dict[str, list[str]] = {}
    for field in way_back.find_all("input"):
        data.setdefault(field["name"], []).append(field.get("value", ""))

    again = client.post("/book/", data)

    page = soup(again)
    assert again.status_code == 200
    assert "Please get medical help today" not in text(again)
    flags = {box["value"] for box in page.select("input[name=red_flags][checked]")}
    assert flags == {"accident"}
    assert page.find("input", attrs={"name": "email"})["value"] == CONTACT["email"]
    assert {b["value"] for b in page.select("input[name=zones][checked]")} == {"lower_back"}
    assert page.find("textarea", attrs={"name": "goals"}).get_text(strip=True) == "Sleep better"
    assert not Appointment.objects.exists() and not Intake.objects.exists()


# A time is offered only while there is time to book it


def test_a_time_about_to_fall_inside_the_notice_is_no_longer_offered(clinic_week, day):
    nine = local(day, "09:00")
    notice = BookingPolicy.current().min_notice

    def starts(now) -> list:
        page = times_page(
            option=clinic_week.option,
            therapist=None,
            from_day=day,
            href=lambda slot: "",
            page_href=lambda day: "",
            now=now,
        )
        return [offered.start for offered in page.days[0].times]

    assert starts(nine - notice - timedelta(minutes=30))[0] == nine
    # Five minutes before it falls inside the notice: gone by the time details are typed.
    assert nine not in starts(nine - notice - timedelta(minutes=5))
    assert min(starts(nine - notice - timedelta(minutes=5))) > nine
