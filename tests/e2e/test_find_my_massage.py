"""Find my massage in a real Chromium: from the guide to booking the suggested service, the
red-flag stop, and the questionnaire's accessibility, with and without JavaScript."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment, Service
from tests.e2e.test_booking_flow import CLIENT, choose_a_time, fill_in_details

# serialized_rollback: the live server needs committed rows, so each test ends with a flush;
# this restores what the data migrations load (the guide, the clinic) before the next test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = "(717) 555-0142"


def tick(page: Page, question: str, *answers: str) -> None:
    """Ticks answers by their labels within one question's group, as a client would."""
    group = page.get_by_role("group", name=question)
    for answer in answers:
        group.get_by_label(answer, exact=True).check()


def answer_leg_pain(page: Page) -> None:
    tick(page, "Where does it hurt?", "Pain travelling down the leg", "Lower back and hips")
    tick(page, "What does it feel like?", "Tingling down the leg")
    tick(page, "How long has it hurt?", "Weeks")
    tick(page, "What makes it worse?", "Sitting", "Driving")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_guide_leads_to_a_suggestion_and_booking_it_starts_with_that_service(
    new_page, site, serious_accessibility_violations, javascript
):
    page = new_page(java_script_enabled=javascript)
    service = Service.objects.get(slug="sciatica-piriformis-release")
    failures = []

    page.goto(f"{site}/back-pain-guide/")
    page.locator("main .guide-cta").get_by_role(
        "link", name="Not sure which massage? Find my massage"
    ).click()
    expect(page).to_have_url(f"{site}/find-my-massage/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Which massage is right for your back?"
    )
    failures += [f"questionnaire: {line}" for line in serious_accessibility_violations(page)]

    answer_leg_pain(page)
    page.get_by_role("button", name="Find my massage").click()

    expect(page).to_have_url(f"{site}/find-my-massage/")  # the answers never go in the address
    suggestions = page.locator("ol.recommendations > li")
    first = suggestions.first
    expect(first.get_by_role("heading", level=3)).to_have_text(service.name)
    expect(first).to_contain_text("Targeted massage to the hips and glutes")
    expect(first).to_contain_text("60 minutes $100.00")
    failures += [f"suggestions: {line}" for line in serious_accessibility_violations(page)]

    first.get_by_role("link", name=f"Book {service.name.lower()}").click()

    expect(page).to_have_url(f"{site}/book/?service={service.slug}")
    chosen = page.locator("li.choice.chosen")
    expect(chosen).to_have_count(1)
    expect(chosen.get_by_role("heading")).to_have_text(service.name)

    # On through the booking flow with the service set: intake, review, confirm.
    chosen.get_by_role("link", name=re.compile(r"^60 min")).click()
    page.locator("a.time").first.click()
    # Where it hurts and for how long come from the questionnaire, ticked already.
    expect(page.get_by_label("Pain travelling down the leg", exact=True)).to_be_checked()
    expect(page.get_by_label("Lower back and hips", exact=True)).to_be_checked()
    expect(page.get_by_label("Weeks", exact=True)).to_be_checked()
    fill_in_details(page)
    failures += [f"details and intake: {line}" for line in serious_accessibility_violations(page)]
    page.get_by_role("button", name="Review your booking").click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_have_text(
        "You're booked. We've emailed your confirmation."
    )
    appointment = Appointment.objects.get(client__email=CLIENT["email"])
    assert appointment.option.service == service
    assert appointment.intake.zones == ["lower_back", "leg"]
    assert appointment.intake.duration == "weeks"
    assert not failures, "axe-core violations:\n" + "\n".join(failures)


@pytest.mark.parametrize(
    ("flag", "cleared", "stop"),
    [
        ("Severe numbness or tingling", False, "Please see a doctor first"),
        ("Loss of bladder or bowel control", True, "Please get medical help today"),
    ],
    ids=["see-a-doctor", "emergency-even-if-cleared"],
)
def test_a_red_flag_in_the_booking_intake_stops_with_the_phone_number_and_books_nothing(
    page, site, serious_accessibility_violations, flag, cleared, stop
):
    choose_a_time(page, site, therapist="First available")
    fill_in_details(page)
    page.get_by_label(flag, exact=True).check()
    if cleared:
        page.get_by_label("A doctor has checked this and cleared me for massage.").check()
    page.get_by_role("button", name="Review your booking").click()

    alert = page.locator("section.stop")
    expect(alert.get_by_role("heading", level=2)).to_have_text(stop)
    expect(alert).to_contain_text(PHONE)
    expect(page.get_by_role("button", name="Confirm booking")).to_have_count(0)
    assert not Appointment.objects.filter(client__email=CLIENT["email"]).exists()
    assert serious_accessibility_violations(page) == []


def test_a_red_flag_stops_with_a_calm_explanation_and_the_phone_number(
    page, site, serious_accessibility_violations
):
    page.goto(f"{site}/")
    page.locator("header nav").get_by_role("link", name="Find my massage").click()
    answer_leg_pain(page)
    tick(page, "Do any of these apply to you?", "Severe numbness or tingling")
    page.get_by_role("button", name="Find my massage").click()

    stop = page.get_by_role("alert")
    expect(stop).to_contain_text("Please see a doctor first")
    expect(stop).to_contain_text("Massage supports recovery but does not replace medical care.")
    expect(stop.get_by_role("link", name=PHONE)).to_have_attribute("href", "tel:+17175550142")
    expect(page.locator("ol.recommendations")).to_have_count(0)
    expect(page.locator('main a[href^="/book/?service="]')).to_have_count(0)
    assert serious_accessibility_violations(page) == []


def test_loss_of_bladder_or_bowel_control_is_called_an_emergency(
    page, site, serious_accessibility_violations
):
    page.goto(f"{site}/find-my-massage/")
    tick(page, "Do any of these apply to you?", "Loss of bladder or bowel control")
    page.get_by_role("button", name="Find my massage").click()

    stop = page.get_by_role("alert")
    expect(stop).to_contain_text("Please get medical help today")
    expect(stop).to_contain_text("can be a medical emergency")
    expect(stop.get_by_role("link", name=PHONE)).to_be_visible()
    expect(page.locator("ol.recommendations")).to_have_count(0)
    assert serious_accessibility_violations(page) == []


def test_nothing_ticked_is_explained_on_the_same_page(page, site, serious_accessibility_violations):
    page.goto(f"{site}/find-my-massage/")
    tick(page, "What makes it worse?", "Stress")
    page.get_by_role("button", name="Find my massage").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Please tick at least one place where it hurts.")
    expect(alert).to_contain_text("Please tell us how long it has hurt.")
    expect(
        page.get_by_role("group", name="What makes it worse?").get_by_label("Stress")
    ).to_be_checked()
    assert serious_accessibility_violations(page) == []


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_the_questionnaire_and_its_suggestions_fit_the_screen_and_are_photographed(
    page, site, width
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 800})

    page.goto(f"{site}/find-my-massage/")
    page.screenshot(path=SCREENSHOTS / f"find-my-massage-{width}.png", full_page=True)
    questionnaire = overflow(page)
    answer_leg_pain(page)
    page.get_by_role("button", name="Find my massage").click()
    expect(page.locator("ol.recommendations")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"find-my-massage-results-{width}.png", full_page=True)

    assert (questionnaire, overflow(page)) == (0, 0)
