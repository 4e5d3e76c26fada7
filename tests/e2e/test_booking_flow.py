"""Booking, moving and cancelling an appointment in a real Chromium, clicking as a client would."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateformat import time_format
from playwright.sync_api import Locator, Page, expect

from booking.models import Appointment, OutboundEmail, Service, Therapist
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails

# serialized_rollback: the live server needs committed rows, so each test ends with a flush;
# this restores what the data migrations load (the guide, the clinic) before the next test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SERVICE = "deep-tissue-myoskeletal-alignment"
CLIENT = {"name": "Ann Client", "email": "ann.client@example.com", "phone": "717-555-0100"}
# Online changes close 24 hours before the start (the policy's default): a booking that is to be
# moved and then cancelled must start on the day after tomorrow or later, whatever the hour now.
CHANGEABLE_FROM = 2


@dataclass
class Booked:
    token: str
    start: datetime
    therapist: Therapist


def query_of(href: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}


def first_time_link(page: Page, earliest: date | None = None) -> Locator:
    """The first `a.time` link, or the first on a day on or after `earliest` (paging on)."""
    for _ in range(6):
        hrefs = page.locator("a.time").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert hrefs, f"no time links on {page.url}"
        for index, href in enumerate(hrefs):
            if earliest is None or date.fromisoformat(query_of(href)["day"]) >= earliest:
                return page.locator("a.time").nth(index)
        page.get_by_role("link", name="Later days").click()
    raise AssertionError(f"no time on or after {earliest} on {page.url}")


def start_of(href: str) -> datetime:
    query = query_of(href)
    return datetime.combine(
        date.fromisoformat(query["day"]),
        time.fromisoformat(query["time"]),
        tzinfo=timezone.get_current_timezone(),
    )


def when(start: datetime, separator: str = " at ") -> str:
    """A start as the review and booking pages write it: "Thursday, March 12, 2026 at 9:00 AM"."""
    local = timezone.localtime(start)
    return f"{date_format(local, 'l, F j, Y')}{separator}{time_format(local, 'g:i A')}"


def value_of(page: Page, term: str) -> Locator:
    """The <dd> for one <dt> in the page's list of details (review and booking pages)."""
    row = page.locator("dl.review > div").filter(
        has=page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$"))
    )
    return row.locator("dd")


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


OnStep = Callable[[Page, str], None]


def nothing(page: Page, step: str) -> None:
    pass


def choose_a_time(
    page: Page,
    site: str,
    *,
    therapist: str,
    earliest: date | None = None,
    on_step: OnStep = nothing,
) -> datetime:
    """From /book/ to the details page: the service's 60-minute link, the therapist (a name, or
    "First available" as the times page starts), the first time (from `earliest`). `on_step`
    is called on arriving at each step's page."""
    service = Service.objects.get(slug=SERVICE)
    option = service.options.get(duration_minutes=60)
    page.goto(f"{site}/book/")
    on_step(page, "service list")

    card = page.locator("li.choice").filter(has=page.get_by_role("heading", name=service.name))
    link = card.get_by_role("link", name=re.compile(r"^60 min"))
    expect(link).to_have_text(f"60 min · ${option.price:.2f}")
    link.click()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    if therapist != "First available":
        page.get_by_label("Therapist").select_option(label=therapist)
        if page.get_by_role("button", name="Show times").is_visible():
            page.get_by_role("button", name="Show times").click()
        expect(page.get_by_label("Therapist")).to_have_value(
            Therapist.objects.get(name=therapist).slug
        )
    on_step(page, "time")

    first_time = first_time_link(page, earliest)
    start = start_of(first_time.get_attribute("href"))
    expect(first_time).to_have_text(time_format(timezone.localtime(start), "g:i A"))
    first_time.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    on_step(page, "details")
    return start


def assigned_therapist(page: Page) -> Therapist:
    """The therapist the details page has chosen for the time (sent back with the form)."""
    slug = page.locator('form input[type="hidden"][name="assigned"]').get_attribute("value")
    return Therapist.objects.get(slug=slug)


def fill_in_details(page: Page) -> None:
    """Contact details, and the assessment questions a client must answer to book online (and
    how long it has hurt, which they may leave out)."""
    page.locator("#id_name").fill(CLIENT["name"])
    page.locator("#id_email").fill(CLIENT["email"])
    page.locator("#id_phone").fill(CLIENT["phone"])
    page.get_by_label("Lower back and hips", exact=True).check()
    page.get_by_label("Weeks", exact=True).check()


def book_as_a_client(
    page: Page, site: str, *, earliest: date | None = None, on_step: OnStep = nothing
) -> Booked:
    """Clicks through the whole flow with "First available", up to the booking page."""
    start = choose_a_time(
        page, site, therapist="First available", earliest=earliest, on_step=on_step
    )
    therapist = assigned_therapist(page)
    expect(page.locator("main")).to_contain_text(
        f"You'll see {therapist.name}, the first available therapist at that time."
    )

    fill_in_details(page)
    page.get_by_role("button", name="Review your booking").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    on_step(page, "review")
    service = Service.objects.get(slug=SERVICE)
    expect(value_of(page, "Massage")).to_have_text(f"{service.name}, 60 minutes")
    expect(value_of(page, "When")).to_have_text(f"{when(start)} Eastern Time")
    expect(value_of(page, "Therapist")).to_have_text(therapist.name)
    expect(value_of(page, "Email")).to_have_text(CLIENT["email"])

    page.get_by_role("button", name="Confirm booking").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(site)}/booking/[\w-]+/$"))
    expect(page.get_by_role("status")).to_have_text(
        "You're booked. We've emailed your confirmation."
    )
    on_step(page, "booking page")
    expect(value_of(page, "When")).to_contain_text(when(start, ", "))
    expect(value_of(page, "Therapist")).to_have_text(therapist.name)
    expect(value_of(page, "Status")).to_have_text("Booked")
    return Booked(token=urlsplit(page.url).path.split("/")[2], start=start, therapist=therapist)


def test_a_client_books_moves_and_cancels_an_appointment_on_pages_without_barriers(
    new_page, site, traffic, serious_accessibility_violations
):
    page = new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    barriers: list[str] = []

    def scan(page: Page, step: str) -> None:
        barriers.extend(
            f"{step} ({urlsplit(page.url).path}?{urlsplit(page.url).query}): {line}"
            for line in serious_accessibility_violations(page)
        )
        if step in ("time", "booking page"):
            name = step.replace(" ", "-")
            page.screenshot(path=SCREENSHOTS / f"booking-flow-{name}.png", full_page=True)

    booked = book_as_a_client(page, site, earliest=in_days(CHANGEABLE_FROM), on_step=scan)

    appointment = Appointment.objects.select_related("client").get(token=booked.token)
    assert appointment.client.email == CLIENT["email"]
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.start == booked.start
    assert appointment.therapist == booked.therapist
    assert OutboundEmail.objects.filter(kind="appointment_booked", to=CLIENT["email"]).exists()

    page.get_by_role("link", name="Reschedule", exact=True).click()
    expect(page).to_have_url(f"{site}/booking/{booked.token}/reschedule/")
    expect(page.locator("main")).to_contain_text(f"with {booked.therapist.name}")
    scan(page, "reschedule times")
    # Another day than the booked one, so the first free time there is a real move.
    hrefs = page.locator("a.time").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    other = next(
        index
        for index, href in enumerate(hrefs)
        if date.fromisoformat(query_of(href)["day"]) >= in_days(CHANGEABLE_FROM)
        and date.fromisoformat(query_of(href)["day"]) != timezone.localdate(booked.start)
    )
    new_start = start_of(hrefs[other])
    page.locator("a.time").nth(other).click()
    expect(page.get_by_role("heading", name="Move your appointment?")).to_be_visible()
    scan(page, "reschedule confirm")
    appointment.refresh_from_db()
    assert appointment.start == booked.start  # nothing moves before the client confirms
    page.get_by_role("button", name="Yes, move my appointment").click()

    expect(page).to_have_url(f"{site}/booking/{booked.token}/")
    expect(page.get_by_role("status")).to_contain_text("has been moved")
    expect(value_of(page, "When")).to_contain_text(when(new_start, ", "))
    appointment.refresh_from_db()
    assert appointment.start == new_start != booked.start
    assert OutboundEmail.objects.filter(kind="appointment_rescheduled", to=CLIENT["email"]).exists()

    page.get_by_role("link", name="Cancel appointment").click()
    expect(page).to_have_url(f"{site}/booking/{booked.token}/cancel/")
    scan(page, "cancel")
    page.get_by_label("Reason (optional)").fill("A work trip came up.")
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page).to_have_url(f"{site}/booking/{booked.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cancelled booking")
    expect(value_of(page, "Status")).to_have_text("Cancelled")
    expect(page.get_by_role("link", name="Reschedule", exact=True)).to_have_count(0)
    scan(page, "cancelled booking page")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "A work trip came up."
    assert OutboundEmail.objects.filter(kind="appointment_cancelled", to=CLIENT["email"]).exists()

    assert not traffic.errors, "while booking:\n" + "\n".join(traffic.errors)
    assert not barriers, "axe-core violations:\n" + "\n".join(barriers)


def posting(page: Page):
    """Waits for the answer to the form the page is about to send."""
    return page.expect_response(
        lambda response: (
            response.request.is_navigation_request() and response.request.method == "POST"
        )
    )


@pytest.mark.parametrize("taken_while", ["typing their details", "reading the review"])
def test_a_time_taken_meanwhile_sends_the_client_back_to_the_nearest_free_times(
    new_page, site, serious_accessibility_violations, taken_while
):
    page = new_page()
    # A named therapist: with "First available", a time taken from the assigned therapist is
    # given to another one still free then, so it would not be taken for the client at all.
    named = Therapist.objects.active().filter(services__slug=SERVICE).first()
    start = choose_a_time(page, site, therapist=named.name)
    therapist = assigned_therapist(page)
    assert therapist == named
    option = Service.objects.get(slug=SERVICE).options.get(duration_minutes=60)
    appointments_before = Appointment.objects.count()

    def someone_else_books_the_time() -> None:
        book_appointment(
            option=option,
            therapist=therapist,
            start=start,
            client=ClientDetails(name="Bo Quick", email="bo@example.com", phone="717-555-0111"),
        )

    fill_in_details(page)
    if taken_while == "typing their details":
        someone_else_books_the_time()
        with posting(page) as answer:
            page.get_by_role("button", name="Review your booking").click()
    else:
        page.get_by_role("button", name="Review your booking").click()
        expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
        someone_else_books_the_time()
        with posting(page) as answer:
            page.get_by_role("button", name="Confirm booking").click()

    assert answer.value.status == 409
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"^(Sorry, that time was just taken|That time isn't available)\.")
    )
    nearest = page.locator(".alternatives")
    expect(nearest.get_by_role("heading", name="The nearest free times")).to_be_visible()
    hrefs = nearest.locator("a.time").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs, "no nearest free times are offered"
    assert start not in [start_of(href) for href in hrefs]
    barriers = serious_accessibility_violations(page)
    taken = Appointment.objects.select_related("client").filter(start=start, therapist=therapist)
    assert [appointment.client.email for appointment in taken] == ["bo@example.com"]
    assert Appointment.objects.count() == appointments_before + 1
    assert not Appointment.objects.filter(client__email=CLIENT["email"]).exists()

    nearest.locator("a.time").first.click()  # what was typed is kept for the next try
    expect(page.locator("#id_email")).to_have_value(CLIENT["email"])
    assert not barriers, "axe-core violations on the taken-time page:\n" + "\n".join(barriers)


def test_a_client_books_with_javascript_turned_off(new_page, site, traffic):
    page = new_page(java_script_enabled=False)

    booked = book_as_a_client(page, site)

    appointment = Appointment.objects.select_related("client").get(token=booked.token)
    assert appointment.client.email == CLIENT["email"]
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.start == booked.start
    assert not traffic.errors, "while booking:\n" + "\n".join(traffic.errors)
