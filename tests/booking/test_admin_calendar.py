"""The back office's day and week calendar and the printable day sheet: a free cell is a start
that books, for the session length chosen."""

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.exceptions import SlotUnavailable
from booking.models import Appointment, ExtraShift, Intake, Therapist, WorkingHours
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from booking.working_time import working_time
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
    # 9:00 for an hour would leave no cleanup before the 10:00 session, and 11:00 lies in its
    # cleanup: the first free hour starts at 11:15.
    assert first == (
        f"/admin/appointments/book/?therapist={clinic_week.therapist.pk}"
        "&start=2026-03-10T11:15&minutes=60"
    )
    assert not any("T09:" in a["href"] or "T10:" in a["href"] for a in free)
    nine = grid.select("td.fc-nostart")[0]
    assert "cleanup before the session at 10:00 AM" in nine["title"]


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


# The calendar offers exactly the starts that book


def front_desk_browser():
    from django.contrib.auth.models import Group, User
    from django.test import Client as Browser

    user = User.objects.create_user("desk", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    browser = Browser()
    browser.force_login(user)
    return browser, user


def free_links(response) -> list[tuple[int, datetime, int]]:
    """(therapist pk, start, minutes) of every free cell's link to the phone-booking form."""
    links = []
    for a in page(response).select("td.fc-free a"):
        path, _, query = a["href"].partition("?")
        assert path == "/admin/appointments/book/"
        values = QueryDict(query)
        start = datetime.fromisoformat(values["start"]).replace(
            tzinfo=timezone.get_current_timezone()
        )
        links.append((int(values["therapist"]), start, int(values["minutes"])))
    return links


@pytest.fixture
def busy_day(clinic_week):
    """Tuesday: Maria works a split shift 9-12 and 13:30-18 with sessions at 10:00 (an hour) and
    15:00 (90 minutes); Ben works 9-17 plus an extra shift 18-20, with a session at 11:00 and
    time off 14-15."""
    maria, service = clinic_week.therapist, clinic_week.service
    long = ServiceOptionFactory(service=service, duration_minutes=90)
    WorkingHours.objects.filter(therapist=maria, weekday=DAY.weekday()).delete()
    week_of_hours(maria, [("09:00", "12:00"), ("13:30", "18:00")], days=[DAY.weekday()])
    ben = TherapistFactory(name="Ben Okafor", slug="ben", services=[service], order=5)
    week_of_hours(ben, [("09:00", "17:00")])
    ExtraShift.objects.create(therapist=ben, day=DAY, starts=time(18), ends=time(20))
    AppointmentFactory(therapist=maria, option=clinic_week.option, start=at("2026-03-10 10:00"))
    AppointmentFactory(therapist=maria, option=long, start=at("2026-03-10 15:00"))
    AppointmentFactory(therapist=ben, option=clinic_week.option, start=at("2026-03-10 11:00"))
    TimeOffFactory(therapist=ben, starts_at=at("2026-03-10 14:00"), ends_at=at("2026-03-10 15:00"))
    return SimpleNamespace(maria=maria, ben=ben, options={60: clinic_week.option, 90: long})


def try_booking(option, therapist_pk: int, start: datetime, by) -> str | None:
    """Book inside a savepoint rolled back afterwards: None when it books, else the refusal."""
    try:
        with transaction.atomic():
            appointment = book_appointment(
                option=option,
                start=start,
                therapist=Therapist.objects.get(pk=therapist_pk),
                client=ClientDetails(name="Phone Caller", email="", phone="717-555-0160"),
                by=by,
            )
            assert (appointment.therapist_id, appointment.start) == (therapist_pk, start)
            transaction.set_rollback(True)
    except SlotUnavailable as error:
        return error.message
    return None


def book_through_the_form(browser, href: str, option) -> int:
    """Open a free cell's link as the front desk, send the form it fills in (adding only the
    caller's name and phone), and roll the booking back: the status the desk would get."""
    form = page(browser.get(href))
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("form input[name]")
        if field.get("type") != "checkbox"
    }
    for select in form.select("form select[name]"):
        chosen = select.select_one("option[selected]")
        data[select["name"]] = chosen["value"] if chosen else ""
    assert data["option"] == str(option.pk) and data["therapist"]
    data.update(client_name="Phone Caller", client_phone="717-555-0160")
    with transaction.atomic():
        status = browser.post("/admin/appointments/book/", data).status_code
        transaction.set_rollback(True)
    return status


@pytest.mark.parametrize("minutes", [60, 90])
def test_every_free_cell_books_and_every_other_working_quarter_hour_is_refused_by_its_rule(
    busy_day, minutes
):
    browser, desk = front_desk_browser()
    option = busy_day.options[minutes]

    links = free_links(browser.get(f"/admin/calendar/?date=2026-03-10&minutes={minutes}"))

    assert links and {m for _, _, m in links} == {minutes}
    offered = {(pk, start) for pk, start, _ in links}
    assert len(offered) == len(links)
    for pk, start in sorted(offered, key=lambda pair: (pair[0], pair[1])):
        assert try_booking(option, pk, start, desk) is None, (pk, start)
    for cell in page(browser.get(f"/admin/calendar/?date=2026-03-10&minutes={minutes}")).select(
        "td.fc-free a"
    ):
        assert book_through_the_form(browser, cell["href"], option) == 302, cell["href"]
    assert Appointment.objects.count() == 3

    working = working_time([busy_day.maria.pk, busy_day.ben.pk], DAY, DAY)
    refusals = 0
    for therapist in (busy_day.maria, busy_day.ben):
        for shift in working.day(therapist.pk, DAY).shifts:
            start = shift.start
            while start < shift.end:
                if (therapist.pk, start) not in offered:
                    message = try_booking(option, therapist.pk, start, desk)
                    assert message, (therapist.name, timezone.localtime(start))
                    session = (start, start + timedelta(minutes=minutes))
                    overlaps = Appointment.objects.filter(
                        therapist=therapist, start__lt=session[1], end__gt=session[0]
                    ).exists()
                    # "Taken" only when the session would overlap another booking (an earlier
                    # rule, like the end of the shift, may name itself first).
                    assert overlaps or "taken" not in message, message
                    refusals += 1
                start += timedelta(minutes=15)
    assert refusals > 10


def test_the_end_of_a_shift_and_a_sessions_cleanup_are_shown_but_not_offered(
    busy_day,
):
    browser, _ = front_desk_browser()

    grid = page(browser.get("/admin/calendar/?date=2026-03-10"))

    reasons = [td["title"] for td in grid.select("td.fc-nostart")]
    assert "Maria Alvarez needs the 15-minute cleanup after the session at 10:00 AM" in " ".join(
        reasons
    )
    assert any("would end after Maria Alvarez's shift ends at 12:00 PM" in r for r in reasons)
    assert any("would end after Ben Okafor's shift ends at 8:00 PM" in r for r in reasons)
    assert not grid.select("td.fc-nostart a")
    hrefs = [a["href"] for a in grid.select("td.fc-free a")]
    assert f"therapist={busy_day.maria.pk}&start=2026-03-10T11:00" not in " ".join(hrefs)
    assert any(f"therapist={busy_day.ben.pk}&start=2026-03-10T19:00&minutes=60" in h for h in hrefs)
    assert any(
        f"therapist={busy_day.maria.pk}&start=2026-03-10T17:00&minutes=60" in h for h in hrefs
    )


def test_staff_pick_the_length_from_the_options_on_offer_and_a_bad_one_gets_400(busy_day):
    browser, _ = front_desk_browser()

    day = page(browser.get("/admin/calendar/?date=2026-03-10&minutes=90"))
    week = page(
        browser.get(f"/admin/calendar/therapist/{busy_day.ben.pk}/?date=2026-03-10&minutes=90")
    )

    lengths = day.select_one(".fc-lengths")
    assert lengths.get_text(" ", strip=True) == "Length: 60 min 90 min"
    assert lengths.select_one("[aria-current]").get_text() == "90 min"
    assert lengths.select_one("a")["href"] == "?date=2026-03-10&minutes=60"
    # Ben's 18-20 extra shift fits 90 minutes only from 18:00 to 18:30.
    ben_evening = [
        a["href"].split("start=")[1] for a in day.select("td.fc-free a") if "T18:" in a["href"]
    ]
    assert ben_evening == [
        "2026-03-10T18:00&minutes=90",
        "2026-03-10T18:15&minutes=90",
        "2026-03-10T18:30&minutes=90",
    ]
    assert week.select("td.fc-free a")
    for path in ("/admin/calendar/", f"/admin/calendar/therapist/{busy_day.ben.pk}/"):
        for bad in ("45", "ninety", "-60", "60.0", "%00", "9" * 5000):
            response = browser.get(f"{path}?date=2026-03-10&minutes={bad}")
            assert response.status_code == 400, bad
            assert "Choose a session length the clinic offers: 60, 90 minutes." in (
                response.content.decode()
            )


def test_a_therapist_who_offers_no_session_of_that_length_has_no_free_cells_for_it(busy_day):
    short = ServiceOptionFactory(duration_minutes=60)
    priya = TherapistFactory(name="Priya Shah", services=[short.service], order=9)
    week_of_hours(priya, [("09:00", "17:00")])
    browser, _ = front_desk_browser()

    hour = page(browser.get("/admin/calendar/?date=2026-03-10&minutes=60"))
    long = page(browser.get("/admin/calendar/?date=2026-03-10&minutes=90"))

    assert any(f"therapist={priya.pk}&" in a["href"] for a in hour.select("td.fc-free a"))
    assert not any(f"therapist={priya.pk}&" in a["href"] for a in long.select("td.fc-free a"))
    assert "Priya Shah offers no 90-minute session." in [
        td["title"] for td in long.select("td.fc-nostart")
    ]


@pytest.mark.parametrize("date_text", ["9999-12-31", "0001-01-01"])
def test_a_date_at_the_edge_of_the_calendar_gets_400_not_500(admin_client, clinic_week, date_text):
    for path in ("/admin/calendar/", "/admin/calendar/day-sheet/", "/admin/reports/"):
        assert admin_client.get(f"{path}?date={date_text}").status_code == 400


def logged_in_as(therapist: Therapist, username: str):
    """A browser logged in as the therapist's own login, in the Therapist role."""
    from django.contrib.auth.models import Group, User
    from django.test import Client as Browser

    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Therapist"))
    therapist.user = user
    therapist.save()
    browser = Browser()
    browser.force_login(user)
    return browser


def test_a_therapist_sees_free_time_in_their_calendar_but_no_links_to_book(busy_day):
    browser = logged_in_as(busy_day.maria, "maria")

    grid = page(browser.get("/admin/calendar/?date=2026-03-10"))

    assert grid.select("td.fc-free")
    assert not grid.select("td.fc-free a")
    assert "/admin/appointments/book/" not in str(grid)
    assert "click to book" not in grid.select_one(".fc-legend").get_text()


# The calendar is kept between views (booking/backoffice/views.py `_calendar`): every write that
# changes what it shows must show at once, and no login may get a grid kept for another.

CALENDAR = "/admin/calendar/?date=2026-03-10"
HEADS = "table.fc-calendar thead th"


def test_a_renamed_client_an_intake_and_a_new_booking_show_at_once(admin_client, busy_day):
    first = page(admin_client.get(CALENDAR))
    assert "Intake missing" in first.select_one("td.fc-appt").get_text()
    maria_first = busy_day.maria.appointments.order_by("start").first()

    client = maria_first.client
    client.name = "Renamed Client"
    client.save()
    assert "Renamed Client" in page(admin_client.get(CALENDAR)).select_one("td.fc-appt").get_text()

    Intake.objects.create(
        appointment=maria_first, zones=["lower_back"], duration="weeks", pressure=3, consent=True
    )
    assert "Intake done" in page(admin_client.get(CALENDAR)).select_one("td.fc-appt").get_text()

    AppointmentFactory(
        therapist=busy_day.ben,
        option=busy_day.options[60],
        client=ClientFactory(name="Late Caller"),
        start=at("2026-03-10 16:00"),
    )
    assert "Late Caller" in page(admin_client.get(CALENDAR)).get_text()


def test_a_therapist_never_gets_the_grid_kept_for_the_owner(admin_client, busy_day):
    owner_view = page(admin_client.get(CALENDAR))  # kept first, with both columns and links
    assert len(owner_view.select(HEADS)) == 3 and owner_view.select("td.fc-free a")
    browser = logged_in_as(busy_day.ben, "ben")

    own = page(browser.get(CALENDAR))

    assert [th.get_text(strip=True) for th in own.select(HEADS)] == ["Time", "Ben Okafor"]
    assert own.select("td.fc-free") and not own.select("td.fc-free a")


def test_the_calendar_takes_the_whole_width_without_the_admin_sidebar(admin_client, busy_day):
    grid = page(admin_client.get(CALENDAR))
    week = page(admin_client.get(f"/admin/calendar/therapist/{busy_day.ben.pk}/?date=2026-03-10"))

    assert grid.select_one("#nav-sidebar") is None and week.select_one("#nav-sidebar") is None
    assert page(admin_client.get("/admin/booking/appointment/")).select_one("#nav-sidebar")
