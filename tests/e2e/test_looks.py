"""Every public page and every booking step at 320, 360 and 1280 px: photographed (saved under
artifacts/screenshots/ as look-<page>-<width>.png), no wider than the screen, no serious or
critical axe finding, and on phones the page's own content starts just under a folded header.
Also the no-JavaScript disclosures: the header's menu and the gift page's conditional fields."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking.models import Service
from tests.e2e.test_booking_flow import fill_in_details
from tests.e2e.test_public_site import public_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WIDTHS = [320, 360, 1280]
PHONE_HEIGHT = 740
SERVICE = "deep-tissue-myoskeletal-alignment"
# On a phone the folded header is one row: the page's own content starts right below it.
HEADER_AT_MOST = 90

# Lazy images below the fold would be blank in a full-page photograph: load them all first.
SHOW_EVERY_IMAGE = """async () => {
    await document.fonts.ready;
    const images = [...document.images];
    images.forEach(img => { img.loading = "eager"; });
    await Promise.all(images.map(img => img.complete ? null
        : new Promise(done => { img.onload = img.onerror = done; })));
}"""

TOO_WIDE = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll("body *")]
        .filter(el => el.getBoundingClientRect().right > width + 1)
        .slice(0, 5)
        .map(el => el.tagName.toLowerCase()
            + (el.getAttribute("class") ? "." + el.getAttribute("class") : ""));
}"""


class Looker:
    """Photographs and checks one page after another, collecting what is wrong with each."""

    def __init__(self, page: Page, width: int, scan) -> None:
        self.page, self.width, self.scan = page, width, scan
        self.problems: list[str] = []
        self.seen: list[str] = []

    def look(self, name: str) -> None:
        page = self.page
        page.evaluate(SHOW_EVERY_IMAGE)
        page.screenshot(path=SCREENSHOTS / f"look-{name}-{self.width}.png", full_page=True)
        self.seen.append(name)
        where = f"{name} at {self.width} px ({page.url})"
        if too_wide := page.evaluate(TOO_WIDE):
            self.problems.append(f"{where}: wider than the screen: {', '.join(too_wide)}")
        if self.width < 400:
            top = page.locator("main").bounding_box()["y"]
            if top > HEADER_AT_MOST:
                self.problems.append(f"{where}: the content starts {top:.0f} px down")
        self.problems += [f"{where}: {line}" for line in self.scan(page)]


def step_name(page: Page, index: int) -> str:
    """The booking step's own name from its indicator, or its position when it has none."""
    current = page.locator('.steps [aria-current="step"]')
    label = current.first.inner_text() if current.count() else ""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return f"book-{index}-{slug or 'step'}"


def walk_the_booking_steps(page: Page, site: str, looker: Looker) -> None:
    """From the list of massages to the booked appointment, following the links and buttons the
    flow offers (so it follows the flow as it changes): a massage and length by URL, then
    "First available" or a day while no time is offered, the first time, the details, review."""
    page.goto(f"{site}/book/")
    looker.look(step_name(page, 1))
    page.goto(f"{site}/book/?service={SERVICE}&minutes=60")
    index = 2
    while not page.locator("main a.time").count():
        looker.look(step_name(page, index))
        index += 1
        first_available = page.locator("main").get_by_role("link", name="First available")
        if first_available.count():
            first_available.first.click()
        elif page.locator("main a.day").count():
            page.locator("main a.day").first.click()
        else:
            raise AssertionError(f"no time, day or therapist to choose on {page.url}")
        assert index < 8, f"no times offered after {index} steps"
    looker.look(step_name(page, index))
    page.locator("main a.time").first.click()
    expect(page.locator("#id_email")).to_be_visible()
    looker.look(step_name(page, index + 1))

    fill_in_details(page)
    page.locator("main form").get_by_role("button", name=re.compile("^Review")).click()
    confirm = page.locator("main").get_by_role("button", name=re.compile("^Confirm"))
    expect(confirm).to_be_visible()
    looker.look(step_name(page, index + 2))
    confirm.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(site)}/booking/[\w-]+/$"))
    looker.look("booked")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_and_booking_step_fits_is_accessible_and_is_photographed(
    new_page, site, width, serious_accessibility_violations
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport={"width": width, "height": PHONE_HEIGHT})
    looker = Looker(page, width, serious_accessibility_violations)
    pages = {
        **public_pages(),
        "find-my-massage": "/find-my-massage/",
        "gift-balance": "/gift-certificates/balance/",
    }
    for name, path in pages.items():
        page.goto(f"{site}{path}")
        looker.look(name)

    walk_the_booking_steps(page, site, looker)

    assert Service.objects.filter(slug=SERVICE).exists()
    assert "booked" in looker.seen, looker.seen
    assert not looker.problems, "\n".join(looker.problems)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_header_folds_into_a_menu_on_phones_and_opens_without_javascript(
    new_page, site, javascript
):
    phone = new_page(
        viewport={"width": 360, "height": PHONE_HEIGHT}, java_script_enabled=javascript
    )
    phone.goto(f"{site}/")
    guide = phone.locator("header nav").get_by_role("link", name="Back-pain guide")
    expect(guide).to_be_hidden()
    header_height = phone.locator("header.site-header").bounding_box()["height"]
    assert header_height < HEADER_AT_MOST, f"the header is {header_height} px tall at 360 px"

    phone.locator("header summary", has_text="Menu").click()
    expect(guide).to_be_visible()
    guide.click()
    expect(phone).to_have_url(f"{site}/back-pain-guide/")

    wide = new_page(viewport={"width": 1280, "height": 800}, java_script_enabled=javascript)
    wide.goto(f"{site}/")
    expect(wide.locator("header summary")).to_be_hidden()
    expect(wide.locator("header nav").get_by_role("link", name="Back-pain guide")).to_be_visible()


def test_gift_fields_appear_only_with_the_choice_that_needs_them_without_javascript(new_page, site):
    page = new_page(viewport={"width": 360, "height": PHONE_HEIGHT}, java_script_enabled=False)
    page.goto(f"{site}/gift-certificates/")
    other_amount = page.get_by_label("Another amount (US dollars)")
    their_email = page.get_by_label("Their email")
    delivery_date = page.get_by_label("Delivery date")

    expect(other_amount).to_be_hidden()
    expect(their_email).to_be_visible()  # emailing it to them is the default
    expect(delivery_date).to_be_hidden()

    page.get_by_label("Another amount", exact=True).check()
    expect(other_amount).to_be_visible()
    page.get_by_label("$100.00", exact=True).check()
    expect(other_amount).to_be_hidden()
    page.get_by_label("Send it to me to print").check()
    expect(their_email).to_be_hidden()
    expect(page.get_by_label("Their name")).to_be_visible()  # printed on the certificate
    page.get_by_label("On a date I choose").check()
    expect(delivery_date).to_be_visible()
