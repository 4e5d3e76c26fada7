"""The public site in a real Chromium: the guide-to-booking walk, layout, accessibility, privacy."""

from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from playwright.sync_api import Page, expect

from booking.models import Service, Therapist

# serialized_rollback: the live server needs committed rows, so each test ends with a flush;
# this restores what the data migrations load (the guide, the clinic) before the next test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
MODALITIES = [
    "deep-tissue-myoskeletal-alignment",
    "hot-stone-therapy",
    "cupping-therapy",
    "sciatica-piriformis-release",
]


def public_pages() -> dict[str, str]:
    """Name -> path of every public page, with one service and one therapist from the demo."""
    therapist = Therapist.objects.active().order_by("slug").first()
    assert therapist is not None, "seed_demo made no active therapist"
    return {
        "home": "/",
        "guide": "/back-pain-guide/",
        "services": "/services/",
        "service": "/services/hot-stone-therapy/",
        "therapists": "/therapists/",
        "therapist": f"/therapists/{therapist.slug}/",
        "about": "/about/",
        "book": "/book/",
        "gift-certificates": "/gift-certificates/",
    }


def book_link_of(page: Page, slug: str) -> str:
    """The href of the service page's own book link (not the header's plain "Book now")."""
    hrefs = page.locator('main a[href*="/book/?"]').evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    for_service = [
        href for href in hrefs if parse_qs(urlsplit(href).query).get("service") == [slug]
    ]
    assert for_service, f"no book link for {slug} in <main>; book links there: {hrefs}"
    return for_service[0]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_home_leads_through_the_guide_to_booking_the_service_it_recommends(
    new_page, site, javascript
):
    page = new_page(java_script_enabled=javascript)
    service = Service.objects.get(slug="hot-stone-therapy")

    page.goto(f"{site}/")
    page.locator('header nav a[href="/back-pain-guide/"]').click()
    expect(page).to_have_url(f"{site}/back-pain-guide/")

    # The "Matching the Modality to the Misery" links (the pain zones above link it too).
    modality_links = page.locator("main .modality-links")
    modality_links.get_by_role("link", name="Hot stone therapy", exact=True).click()
    expect(page).to_have_url(f"{site}/services/hot-stone-therapy/")
    expect(page.locator("h1")).to_contain_text(service.name)

    book_href = book_link_of(page, service.slug)
    assert urlsplit(book_href).path == "/book/"
    page.locator(f'main a[href="{book_href}"]').first.click()
    expect(page).to_have_url(urljoin(f"{site}/", book_href))
    expect(page.locator("main")).to_contain_text(service.name)


def test_guide_links_every_modality_to_its_service_page_and_to_booking(page, site):
    page.goto(f"{site}/back-pain-guide/")
    hrefs = set(page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)"))

    for slug in MODALITIES:
        assert f"{site}/services/{slug}/" in hrefs, f"the guide does not link /services/{slug}/"
        assert f"{site}/book/?service={slug}" in hrefs, f"the guide does not link booking {slug}"


def test_every_service_page_books_its_own_service(page, site):
    for service in Service.objects.active():
        page.goto(f"{site}/services/{service.slug}/")
        book_link_of(page, service.slug)


def test_every_link_on_the_public_pages_leads_somewhere(page, site):
    broken = []
    checked: dict[str, int] = {}
    for name, path in public_pages().items():
        page.goto(f"{site}{path}")
        links = page.locator("a[href]").evaluate_all(
            "links => links.map(a => [a.getAttribute('href'), a.href])"
        )
        for raw, absolute in links:
            parts = urlsplit(absolute)
            if raw.startswith("#"):
                target = raw[1:]
                if target and page.locator(f'[id="{target}"]').count() == 0:
                    broken.append(f"{name}: {raw} points at no element on the page")
                continue
            if f"{parts.scheme}://{parts.netloc}" != site:
                continue  # mailto:, tel: and other sites are not ours to fetch
            url = parts._replace(fragment="").geturl()
            if url not in checked:
                checked[url] = page.request.get(url, max_redirects=0).status
            if checked[url] != 200:
                broken.append(f"{name}: {raw} answers {checked[url]}")

    assert checked, "no links were found on the public pages"
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_pages_ask_nothing_of_any_other_host(page, site, traffic):
    for path in public_pages().values():
        page.goto(f"{site}{path}")
        page.evaluate("async () => { await document.fonts.ready; }")

    external = sorted({url for url in traffic.requests if not traffic.is_local(url)})
    assert traffic.requests, "no requests were recorded"
    assert not external, "requests to other hosts (blocked by the test):\n" + "\n".join(external)


def test_pages_load_every_resource_without_errors_or_csp_violations(page, site, traffic):
    for path in public_pages().values():
        page.goto(f"{site}{path}")
        page.evaluate("async () => { await document.fonts.ready; }")
        # The browser fetches icons lazily (and drops the fetch when the test moves on).
        icons = page.locator('link[rel~="icon"]').evaluate_all("links => links.map(l => l.href)")
        for icon in icons:
            status = page.request.get(icon).status
            if status != 200:
                traffic.errors.append(f"HTTP {status} {icon} (icon of {path})")

    assert not traffic.errors, "while loading the public pages:\n" + "\n".join(traffic.errors)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_accessibility_scan_catches_a_broken_page(
    new_page, serious_accessibility_violations, javascript
):
    page = new_page(java_script_enabled=javascript)
    page.set_content('<html><body><main><button></button><input type="text"></main></body></html>')

    found = "\n".join(serious_accessibility_violations(page))

    assert "button-name [critical]" in found
    assert "label [critical]" in found


def test_public_pages_have_no_serious_accessibility_violations(
    page, site, serious_accessibility_violations
):
    failures = []
    for name, path in public_pages().items():
        page.goto(f"{site}{path}")
        failures += [f"{name} ({path}): {line}" for line in serious_accessibility_violations(page)]

    assert not failures, "axe-core violations:\n" + "\n".join(failures)


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_the_screen_and_are_photographed(page, site, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 800})
    pages = public_pages()
    overflowing = []
    for name in ("home", "guide", "service"):
        page.goto(f"{site}{pages[name]}")
        page.evaluate("async () => { await document.fonts.ready; }")
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)

        too_wide = page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                if (document.documentElement.scrollWidth <= width) return [];
                return [...document.querySelectorAll("body *")]
                    .filter(el => el.getBoundingClientRect().right > width + 1)
                    .slice(0, 5)
                    .map(el => el.tagName.toLowerCase()
                        + (el.getAttribute("class") ? "." + el.getAttribute("class") : ""));
            }"""
        )
        if too_wide:
            overflowing.append(f"{name}: {', '.join(too_wide)}")

    assert not overflowing, f"wider than a {width} px screen:\n" + "\n".join(overflowing)
