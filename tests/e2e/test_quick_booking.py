"""Booking in a few steps, in a real Chromium: clicks and page loads from a service page to the
confirmation (with JavaScript on and off), a keyboard-only booking counting Tab presses, and the
details step's error summary taking focus."""

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Locator, Page, expect

from booking.models import Appointment, Service
from tests.e2e.test_booking_flow import CLIENT, SERVICE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@dataclass
class Counted:
    """Every click the client makes (links, buttons and ticks alike) and every page loaded."""

    page: Page
    clicks: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("load", lambda: self.loads.append(self.page.url))

    def click(self, locator: Locator, what: str) -> None:
        self.clicks.append(what)
        locator.click()

    def tick(self, label: str, exact: bool = True) -> None:
        self.clicks.append(f"tick {label}")
        self.page.get_by_label(label, exact=exact).check()


def type_contact_details(page: Page) -> None:
    page.locator("#id_name").fill(CLIENT["name"])
    page.locator("#id_email").fill(CLIENT["email"])
    page.locator("#id_phone").fill(CLIENT["phone"])


def confirm_and_check_booked(counted: Counted, site: str) -> Appointment:
    """Review, then confirm under the consent statement: that click is the client's consent."""
    page = counted.page
    counted.click(page.get_by_role("button", name="Review your booking"), "review")
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    confirm = page.get_by_role("button", name="Confirm booking")
    expect(confirm).to_have_accessible_description(re.compile(r"^By confirming, you agree"))
    counted.click(confirm, "confirm")
    expect(page).to_have_url(re.compile(rf"^{re.escape(site)}/booking/[\w-]+/$"))
    expect(page.get_by_role("status")).to_have_text(
        "You're booked. We've emailed your confirmation."
    )
    appointment = Appointment.objects.select_related("intake").get(client__email=CLIENT["email"])
    assert appointment.intake.consent and appointment.intake.consent_name == CLIENT["name"]
    return appointment


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_from_a_service_page_to_booked_in_at_most_five_clicks_and_four_page_loads(
    new_page, site, traffic, javascript
):
    page = new_page(java_script_enabled=javascript)
    service = Service.objects.get(slug=SERVICE)
    page.goto(f"{site}{service.get_absolute_url()}")
    counted = Counted(page)

    box = page.locator(".booking-box")
    counted.click(box.get_by_role("link", name=re.compile(r"^60 minutes")), "60 minutes")
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    counted.click(page.locator("a.time").first, "first time")
    type_contact_details(page)
    counted.tick("Lower back and hips")  # the one required tick: how long is optional
    appointment = confirm_and_check_booked(counted, site)

    assert appointment.option.duration_minutes == 60
    assert appointment.intake.zones == ["lower_back"] and appointment.intake.duration == ""
    print(f"\n{len(counted.clicks)} clicks with ticks, {len(counted.loads)} page loads")
    assert len(counted.clicks) <= 5, counted.clicks
    assert len(counted.loads) <= 4, counted.loads
    assert not traffic.errors, "\n".join(traffic.errors)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_from_a_find_my_massage_suggestion_to_booked_in_four_clicks_ticks_included(
    new_page, site, javascript
):
    page = new_page(java_script_enabled=javascript)
    page.goto(f"{site}/find-my-massage/")
    page.get_by_role("group", name="Where does it hurt?").get_by_label(
        "Lower back and hips", exact=True
    ).check()
    page.get_by_role("group", name="How long has it hurt?").get_by_label(
        "Weeks", exact=True
    ).check()
    page.get_by_role("button", name="Find my massage").click()
    suggestion = page.locator("ol.recommendations > li").first
    expect(suggestion).to_be_visible()
    page.wait_for_load_state("load")
    counted = Counted(page)

    counted.click(suggestion.get_by_role("link", name=re.compile(r"^60 minutes")), "60 minutes")
    counted.click(page.locator("a.time").first, "first time")
    type_contact_details(page)
    expect(page.get_by_label("Lower back and hips", exact=True)).to_be_checked()
    expect(page.get_by_label("Weeks", exact=True)).to_be_checked()
    appointment = confirm_and_check_booked(counted, site)

    assert appointment.intake.zones == ["lower_back"] and appointment.intake.duration == "weeks"
    print(f"\n{len(counted.clicks)} clicks with ticks, {len(counted.loads)} page loads")
    assert len(counted.clicks) <= 4, counted.clicks
    assert len(counted.loads) <= 4, counted.loads


class Keyboard:
    """Only keys: Tab presses are counted; Enter, Space, arrows and typing are not Tabs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.tabs = 0

    def focused(self) -> str:
        return self.page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.id || '') + '|' + (e.getAttribute('href') || '') + '|'"
            " + (e.textContent || '').trim().slice(0, 60) + '|' + (e.value || ''); }"
        )

    def tab_to(self, matches, limit: int = 40) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            self.tabs += 1
            if matches(self.focused()):
                return
        raise AssertionError(f"never reached the element; last focused: {self.focused()}")

    def skip_to_content(self) -> None:
        self.tab_to(lambda f: "Skip to content" in f, limit=1)
        self.page.keyboard.press("Enter")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)


def test_a_keyboard_only_booking_takes_fewer_than_40_tab_presses(page, site):
    service = Service.objects.get(slug=SERVICE)
    page.goto(f"{site}{service.get_absolute_url()}")
    keys = Keyboard(page)

    keys.skip_to_content()
    keys.tab_to(lambda f: "60 minutes" in f and "minutes=60" in f)
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()

    keys.skip_to_content()
    keys.tab_to(lambda f: "&time=" in f)
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Your details and your back")).to_be_visible()

    keys.skip_to_content()
    for field_id, value in (
        ("id_name", CLIENT["name"]),
        ("id_email", CLIENT["email"]),
        ("id_phone", CLIENT["phone"]),
    ):
        keys.tab_to(lambda f, field_id=field_id: f.startswith(f"{field_id}|"))
        page.keyboard.type(value)
        # Every key landed before the next Tab (a loaded machine may still be typing).
        expect(page.locator(f"#{field_id}")).to_have_value(value)
    keys.tab_to(lambda f: f.startswith("id_zones_") and f.endswith("|lower_back"))
    keys.press("Space")
    keys.tab_to(lambda f: f.startswith("id_duration_"))
    keys.press("ArrowDown")  # from "Days" to "Weeks" (optional, answered here)
    keys.tab_to(lambda f: "Review your booking" in f)
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()

    keys.skip_to_content()
    keys.tab_to(lambda f: "Confirm booking" in f)
    keys.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "You're booked. We've emailed your confirmation."
    )

    appointment = Appointment.objects.select_related("intake").get(client__email=CLIENT["email"])
    assert appointment.intake.zones == ["lower_back"] and appointment.intake.duration == "weeks"
    print(f"\n{keys.tabs} Tab presses")
    assert keys.tabs < 40, keys.tabs


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_error_summary_takes_focus_and_leads_to_each_field(
    new_page, site, serious_accessibility_violations, javascript
):
    page = new_page(java_script_enabled=javascript, viewport={"width": 360, "height": 740})
    page.goto(f"{site}/book/?service={SERVICE}&minutes=60")
    page.locator("a.time").first.click()
    page.locator("#id_email").fill("not-an-email")

    page.get_by_role("button", name="Review your booking").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    # Name, email, phone, where it hurts: how long is optional, consent comes at confirm.
    expect(summary.get_by_role("link")).to_have_count(4)
    summary.get_by_role("link", name=re.compile(r"^Email")).click()
    expect(page.locator("#id_email")).to_be_in_viewport()
    if javascript:
        expect(page.locator("#id_email")).to_be_focused()
    summary.get_by_role("link", name=re.compile(r"^Where does it hurt")).click()
    expect(page.locator("#id_zones_0")).to_be_in_viewport()
    assert serious_accessibility_violations(page) == []
