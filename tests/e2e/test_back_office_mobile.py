"""The back office on a phone and on a desk: every daily page fits a 360 px screen without
sideways scrolling, shows its content, passes axe, and carries the clinic's look."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import Page, expect

from booking.models import Appointment, Client, Intake, Therapist
from booking.screening import RedFlag
from tests.e2e.conftest import log_in
from tests.factories import AppointmentFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}
WIDTHS = [pytest.param(PHONE, id="360"), pytest.param(DESK, id="1280")]

OVERFLOW = r"""() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .filter((el) => !el.closest('.visually-hidden, .fc-grid, .results'))
        .slice(0, 5)
        .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (typeof el.className === 'string' && el.className
                ? '.' + el.className.trim().split(/\s+/).join('.') : '')),
})"""


@dataclass
class Clinic:
    """What the pages show: a Wednesday when all three demo therapists work, with sessions."""

    day: date
    appointment: Appointment
    client: Client


def _at(day: date, hour: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hour), tzinfo=timezone.get_current_timezone())


def _book(therapist: Therapist, day: date, hour: str, name: str, **fields) -> Appointment:
    option = therapist.services.order_by("order").first().options.order_by("pk").first()
    client = Client.objects.create(
        name=name, email=f"{slugify(name)}@example.net", phone="717-555-0142"
    )
    return AppointmentFactory(
        therapist=therapist, option=option, client=client, start=_at(day, hour), **fields
    )


@pytest.fixture
def clinic(site) -> Clinic:
    """Next week's Wednesday, busy enough that the grid and the reports have something to show."""
    day = timezone.localdate() + timedelta(days=7)
    day += timedelta(days=(2 - day.weekday()) % 7)
    maria, james, priya = (
        Therapist.objects.get(slug=slug)
        for slug in ("maria-alvarez", "james-whitaker", "priya-shah")
    )
    flagged = _book(maria, day, "09:00", "Margaret Fitzgerald-Henderson")
    Intake.objects.create(
        appointment=flagged,
        red_flags=[RedFlag.NUMBNESS],
        zones=["lower_back"],
        duration="weeks",
        pressure=3,
        consent=True,
    )
    _book(maria, day, "11:00", "Dana Miller-Okonkwo", status=Appointment.Status.COMPLETED)
    _book(james, day, "11:30", "Christopher Vanderbilt", status=Appointment.Status.NO_SHOW)
    _book(james, day, "15:30", "Lisa Nguyen")
    _book(priya, day, "09:30", "Sam Ortiz")
    appointment = _book(priya, day, "14:00", "Rachel King")
    for offset, hour in ((-2, "10:00"), (-1, "13:30"), (1, "09:00"), (2, "16:00")):
        _book(maria, day + timedelta(days=offset), hour, f"Week Client {offset + 3}")
    return Clinic(day=day, appointment=appointment, client=appointment.client)


@pytest.fixture
def owner(site) -> tuple[str, str]:
    user = User.objects.get(username="owner")
    user.set_password("owner-password-1")
    user.save()
    return "owner", "owner-password-1"


def look_at(page: Page, name: str, main: str, serious_accessibility_violations) -> list[str]:
    """What is wrong with the page on screen: sideways scrolling, hidden content, axe findings.
    The screenshot is taken first, so a failing page can still be looked at."""
    width = page.viewport_size["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-{name}-{width}.png", full_page=True)
    problems = []
    overflow = page.evaluate(OVERFLOW)
    if overflow["scrollWidth"] > overflow["innerWidth"]:
        problems.append(
            f"{name} at {width} px scrolls sideways: {overflow['scrollWidth']} px wide, "
            f"widest parts {overflow['wide']}"
        )
    if not page.locator(main).first.is_visible():
        problems.append(f"{name} at {width} px does not show {main}")
    problems += [f"{name} at {width} px: {v}" for v in serious_accessibility_violations(page)]
    return problems


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_owners_back_office_fits_the_screen_and_wears_the_clinics_look(
    new_page, site, traffic, owner, clinic, viewport, serious_accessibility_violations
):
    page = new_page(viewport=viewport)
    day = clinic.day.isoformat()
    problems = []

    page.goto(f"{site}/admin/login/")
    expect(page.locator("#branding img")).to_be_visible()
    problems += look_at(page, "login", "#login-form", serious_accessibility_violations)
    log_in(page, site, *owner)

    pages = [
        ("index", "/admin/", ".fc-shortcuts"),
        ("reports", f"/admin/reports/?date={day}", ".fc-figures"),
        ("day-sheet-owner", f"/admin/calendar/day-sheet/?date={day}", ".fc-sheet"),  # red flags
        ("changelist", "/admin/booking/appointment/", "#result_list"),
        ("appointment", f"/admin/booking/appointment/{clinic.appointment.pk}/change/", "form"),
        ("client", f"/admin/booking/client/{clinic.client.pk}/change/", "form"),
        ("phone-booking", "/admin/booking/appointment/add/", "form"),
        ("move", f"/admin/appointments/{clinic.appointment.pk}/move/", "form"),
        ("gift-certificates", "/admin/booking/giftcertificate/", ".gift-summary"),
    ]
    for name, path, main in pages:
        page.goto(site + path)
        expect(page.locator("#branding")).to_contain_text("Focused Care back office")
        problems += look_at(page, name, main, serious_accessibility_violations)

    assert not problems, "\n".join(problems)
    # No stylesheet missing, no script error, nothing refused by the CSP.
    assert traffic.errors == []


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_front_desks_calendar_fits_the_screen(
    new_page, site, traffic, front_desk, clinic, viewport, serious_accessibility_violations
):
    page = new_page(viewport=viewport)
    day = clinic.day.isoformat()
    maria = Therapist.objects.get(slug="maria-alvarez")
    log_in(page, site, *front_desk)
    problems = []

    page.goto(f"{site}/admin/calendar/?date={day}")
    expect(page.locator(".fc-calendar thead th")).to_have_count(4)  # the time and 3 therapists
    expect(page.locator("td.fc-appt", has_text="Rachel King")).to_be_visible()
    problems += look_at(page, "calendar-day", ".fc-calendar", serious_accessibility_violations)

    page.goto(f"{site}/admin/calendar/therapist/{maria.pk}/?date={day}")
    problems += look_at(page, "calendar-week", ".fc-calendar", serious_accessibility_violations)
    # Seven days cannot share 360 px legibly: on a phone the week scrolls inside its own box.
    grid = page.locator(".fc-grid").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert (grid[0] > grid[1]) == (viewport == PHONE)

    page.goto(f"{site}/admin/calendar/day-sheet/?date={day}")
    expect(page.locator(".fc-sheet")).to_contain_text("Margaret Fitzgerald-Henderson")
    problems += look_at(page, "day-sheet", ".fc-sheet", serious_accessibility_violations)

    assert not problems, "\n".join(problems)

    # On paper, at any screen width: the sheet's tables, without the back office around them.
    page.emulate_media(media="print")
    expect(page.locator("#header")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    expect(page.locator(".fc-sheet thead").first).to_be_visible()
    assert page.locator(".fc-sheet table").first.evaluate("t => getComputedStyle(t).display") == (
        "table"
    )
    assert traffic.errors == []


def test_the_back_office_stays_light_when_the_phone_prefers_dark(new_page, site, owner):
    """Light only, by decision: the calendar's state colours are made for a light page."""
    page = new_page(viewport=PHONE, color_scheme="dark")
    log_in(page, site, *owner)
    page.goto(f"{site}/admin/")  # waits for the stylesheets, as the login's redirect may not
    colours = page.evaluate(
        """() => [document.body, document.querySelector('#header')]
            .map((el) => getComputedStyle(el).backgroundColor)"""
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(47, 93, 80)"]  # white page, the clinic's green
