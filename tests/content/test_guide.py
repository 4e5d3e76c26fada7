"""The back-pain guide: the clinic's own words, every section, and links that lead to booking."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from booking.models import Service
from content.models import Page

pytestmark = pytest.mark.django_db

COPY = Path(__file__).resolve().parents[2] / "content" / "data" / "clinic-website-copy.txt"
GUIDE_END = "take the first step toward real and lasting relief."


def words(text: str) -> str:
    """Compare words, not punctuation: headings gained colons when they became headings."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'")))


def guide_paragraphs() -> list[str]:
    text = COPY.read_text(encoding="utf-8")
    guide = text[: text.index(GUIDE_END) + len(GUIDE_END)]
    return [line.strip() for line in guide.splitlines() if line.strip()]


@pytest.fixture
def guide(client, demo) -> BeautifulSoup:
    response = client.get("/back-pain-guide/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_the_guide_contains_every_heading_and_paragraph_of_the_clinics_copy(guide):
    shown = words(guide.find("main").get_text(" "))
    paragraphs = guide_paragraphs()

    missing = [p for p in paragraphs if words(p) not in shown]
    assert len(paragraphs) > 60
    assert missing == []


def test_the_guide_has_a_table_of_contents_that_links_to_each_section(guide):
    toc = guide.find("nav", class_="toc")
    targets = [a["href"] for a in toc.find_all("a")]

    assert len(targets) == 8
    for target in targets:
        assert guide.find(id=target.removeprefix("#")), target
    for section in [
        "#decoding-your-back-pain",
        "#matching-the-modality",
        "#red-flags",
        "#aftercare",
    ]:
        assert section in targets


@pytest.mark.parametrize("zone", ["upper-back", "lower-back", "the-spine"])
def test_each_zone_has_a_section_with_links_to_a_service_and_to_booking(guide, zone):
    heading = guide.find(id=zone)
    links = heading.find_next("p", class_="zone-links").find_all("a")
    hrefs = [a["href"] for a in links]

    assert any(h.startswith("/services/") for h in hrefs)
    assert any(h.startswith("/book/?service=") for h in hrefs)


@pytest.mark.parametrize(
    ("anchor", "slug"),
    [
        ("for-chronic-deep-stiffness", "deep-tissue-myoskeletal-alignment"),
        ("for-high-stress-and-muscle-knots", "hot-stone-therapy"),
        ("for-stubborn-tightness-and-poor-circulation", "cupping-therapy"),
        ("for-nerve-pain-like-sciatica", "sciatica-piriformis-release"),
    ],
)
def test_each_modality_links_to_its_service_page_and_to_booking_it(client, guide, anchor, slug):
    links = guide.find(id=anchor).find_next("p", class_="modality-links").find_all("a")
    hrefs = {a["href"] for a in links}

    assert f"/services/{slug}/" in hrefs
    assert f"/book/?service={slug}" in hrefs
    service = Service.objects.get(slug=slug)
    assert service.guide_anchor == anchor
    assert client.get(f"/services/{slug}/").status_code == 200


def test_every_link_in_the_guide_leads_to_a_page_that_exists(client, guide):
    hrefs = {a["href"] for a in guide.find("main").find_all("a")}
    internal = {h for h in hrefs if h.startswith("/")}

    assert len(internal) >= 10
    for href in internal:
        assert client.get(href).status_code == 200, href


def test_the_red_flags_stand_out_and_say_see_a_doctor_first(guide):
    box = guide.find("section", class_="red-flags")
    text = box.get_text(" ", strip=True)

    assert box.find("h2", id="red-flags")
    for flag in [
        "severe numbness or tingling",
        "loss of bladder or bowel control",
        "recent accidents",
        "unexplained weight loss with pain",
        "rapidly worsening symptoms",
    ]:
        assert flag in text
    assert "does not replace medical care" in text
    assert guide.find("p", class_="notice").find("a", href="#red-flags")


def test_the_owner_edits_the_guide_in_admin_and_the_site_shows_the_change(admin_client, client):
    page = Page.objects.get(slug="back-pain-guide")
    form = {
        "slug": page.slug,
        "title": page.title,
        "meta_description": page.meta_description,
        "body": page.body + "\n\n## Winter tips {#winter}\n\nShovel snow with your knees bent.",
    }

    response = admin_client.post(f"/admin/content/page/{page.pk}/change/", form)

    assert response.status_code == 302
    html = client.get("/back-pain-guide/").content.decode()
    assert "Shovel snow with your knees bent." in html
    assert 'href="#winter"' in html


def test_markdown_from_admin_cannot_carry_scripts_or_event_handlers(client, demo):
    page = Page.objects.get(slug="about")
    page.body = (
        'Hello <script>alert("x")</script> <img src=x onerror="alert(1)">'
        ' [click](javascript:alert(1)) <a href="/" onclick="steal()">home</a>'
    )
    page.save()

    html = client.get("/about/").content.decode()
    main = html[html.index("<main") :]
    assert "<script>alert" not in main
    assert "onerror" not in main
    assert "onclick" not in main
    assert "javascript:" not in main
