"""A gift certificate in a real Chromium: bought as a client would, printed, checked, and spent
on a booking; every page scanned with axe-core."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking.models import GiftCertificate
from booking.services.gift_certificates.sales import mark_gift_certificate_paid

# serialized_rollback: the live server needs committed rows, so each test ends with a flush;
# this restores what the data migrations load (the guide, the clinic) before the next test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SERVICE = "deep-tissue-myoskeletal-alignment"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def row(page: Page, term: str):
    return (
        page.locator("dl.review > div")
        .filter(has=page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")))
        .locator("dd")
    )


def test_a_client_buys_prints_checks_and_spends_a_gift_certificate(
    new_page, site, traffic, serious_accessibility_violations
):
    page = new_page()
    scans: dict[str, list[str]] = {}

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{site}/gift-certificates/")
    scans["buy"] = serious_accessibility_violations(page)
    page.screenshot(path=SCREENSHOTS / "gift-buy.png", full_page=True)
    page.get_by_label("$100.00", exact=True).check()
    page.get_by_label("Your name").fill("Bea Buyer")
    page.get_by_label("Your email").fill("bea@example.com")
    page.get_by_label("Send it to me to print").check()
    page.get_by_label("Their name").fill("Grandpa Joe")
    page.get_by_label("A message (optional)").fill("For that back of yours. Love, Bea")
    page.get_by_role("button", name="Order the gift certificate").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Bea Buyer")
    expect(page.get_by_role("heading", name="Pay at the clinic")).to_be_visible()
    scans["thanks"] = serious_accessibility_violations(page)

    # The front desk takes the payment (in admin: "Mark the selected certificates paid").
    bought = GiftCertificate.objects.get(buyer_email="bea@example.com")
    certificate = mark_gift_certificate_paid(certificate=bought)
    page.reload()
    page.get_by_role("link", name="Print your certificate").click()

    expect(page.locator(".gift-code")).to_have_text(certificate.display_code)
    expect(page.locator("main")).to_contain_text("For that back of yours. Love, Bea")
    expect(page.get_by_role("img", name="QR code to the balance page")).to_be_visible()
    scans["certificate"] = serious_accessibility_violations(page)
    page.screenshot(path=SCREENSHOTS / "gift-certificate.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".gift-code")).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Check the balance").click()
    page.get_by_label("Gift certificate code").fill(certificate.display_code.lower())
    page.get_by_role("button", name="Check the balance").click()
    expect(page.get_by_role("heading", name="Balance: $100.00")).to_be_visible()
    assert "code=" not in page.url
    scans["balance"] = serious_accessibility_violations(page)

    page.goto(f"{site}/book/?service={SERVICE}&minutes=60&therapist=any")
    page.locator("a.time").first.click()
    page.locator("#id_name").fill("Joe Client")
    page.locator("#id_email").fill("joe@example.com")
    page.locator("#id_phone").fill("717-555-0100")
    page.get_by_label("Lower back and hips", exact=True).check()
    page.get_by_label("Weeks", exact=True).check()
    page.get_by_role("button", name="Review your booking").click()

    page.get_by_text("Paying with a gift certificate?").click()
    page.get_by_label("Gift certificate code (optional)").fill("NOT-A-CODE")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("16 letters and numbers")
    scans["review with a bad code"] = serious_accessibility_violations(page)
    page.get_by_label("Gift certificate code (optional)").fill(certificate.display_code)
    page.get_by_role("button", name="Apply").click()
    expect(row(page, "Gift certificate")).to_contain_text("−$95.00")
    expect(row(page, "Due at the clinic")).to_have_text("$0.00")
    scans["review"] = serious_accessibility_violations(page)
    page.screenshot(path=SCREENSHOTS / "gift-review.png", full_page=True)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(site)}/booking/[\w-]+/$"))
    expect(row(page, "Gift certificate")).to_have_text("−$95.00")
    expect(row(page, "Due at the clinic")).to_have_text("$0.00")
    certificate.refresh_from_db()
    assert certificate.balance == 5
    scans["booking"] = serious_accessibility_violations(page)

    failures = [f"{name}: {line}" for name, lines in scans.items() for line in lines]
    assert not failures, "axe-core violations:\n" + "\n".join(failures)
    unexpected = [e for e in traffic.errors if "400" not in e]  # the bad code's page is a 400
    assert not unexpected, "while loading the pages:\n" + "\n".join(unexpected)
