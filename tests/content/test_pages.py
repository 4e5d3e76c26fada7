"""Every public page: it answers, it has one h1, its own title and description, and sharing tags."""

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from booking.models import Service, Therapist
from tests.factories import ServiceFactory, ServiceOptionFactory, TherapistFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/back-pain-guide/",
    "/find-my-massage/",
    "/services/",
    "/services/hot-stone-therapy/",
    "/therapists/",
    "/therapists/priya-shah/",
    "/about/",
    "/book/",
    "/gift-certificates/",
]


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_one_h1_a_title_and_sharing_tags(client, demo, path):
    response = client.get(path)

    assert response.status_code == 200
    page = soup(response)
    assert len(page.find_all("h1")) == 1
    assert page.title.string.strip()
    assert page.find("meta", attrs={"name": "description"})["content"].strip()
    assert page.find("link", rel="canonical")["href"] == f"{settings.SITE_URL}{path}"
    for prop in ["og:title", "og:description", "og:url", "og:type", "og:image"]:
        assert page.find("meta", property=prop)["content"].strip(), prop
    assert page.find("a", class_="skip-link")["href"] == "#main"
    assert page.find("main", id="main")


def test_every_public_page_has_its_own_title_and_description(client, demo):
    pages = [soup(client.get(path)) for path in PUBLIC_PAGES]

    titles = [page.title.string.strip() for page in pages]
    descriptions = [page.find("meta", attrs={"name": "description"})["content"] for page in pages]
    assert len(set(titles)) == len(PUBLIC_PAGES)
    assert len(set(descriptions)) == len(PUBLIC_PAGES)


def test_home_shows_the_three_zones_services_therapists_and_both_calls_to_action(client, demo):
    page = soup(client.get("/"))
    text = page.get_text(" ", strip=True)

    for zone in ["Upper back", "Lower back", "The spine"]:
        assert zone in text
    for service in Service.objects.all():
        assert page.find("a", href=service.get_absolute_url())
        assert page.find("a", href=f"/book/?service={service.slug}")
    for therapist in Therapist.objects.all():
        assert page.find("a", href=therapist.get_absolute_url())
    assert page.find("a", href="/gift-certificates/")
    assert "Be their hero with a gift certificate" in text
    assert "Ready to Feel Better?" in text


def test_service_page_shows_lengths_prices_who_offers_it_the_guides_advice_and_a_book_button(
    client, demo
):
    page = soup(client.get("/services/sciatica-piriformis-release/"))
    text = page.get_text(" ", strip=True)

    assert "60 minutes" in text and "$100" in text
    assert "90 minutes" in text and "$140" in text
    assert "Maria Alvarez" in text and "Priya Shah" in text
    assert "James Whitaker" not in text
    assert "One of the main muscles involved is the piriformis." in text
    assert page.find("a", href="/back-pain-guide/#for-nerve-pain-like-sciatica")
    assert page.find("a", href="/book/?service=sciatica-piriformis-release")


def test_therapist_page_shows_bio_specialties_and_book_links(client, demo):
    page = soup(client.get("/therapists/james-whitaker/"))
    text = page.get_text(" ", strip=True)

    assert "stress lives in their shoulders" in text
    assert "Tension headaches" in text
    assert page.find("a", href="/book/?therapist=james-whitaker")
    assert page.find("a", href="/book/?service=hot-stone-therapy&therapist=james-whitaker")


def test_about_page_has_address_phone_hours_and_directions(client, demo):
    page = soup(client.get("/about/"))
    main = page.find("main")
    text = main.get_text(" ", strip=True)

    assert "Lancaster, PA" in text
    assert main.find("a", href="tel:+17175550142")
    assert "Monday" in text and "9:00 AM" in text
    assert main.find("a", string="Directions in maps")["href"].startswith("https://")


def test_book_link_from_a_therapist_and_service_starts_the_flow_part_way(client, demo):
    page = soup(client.get("/book/?service=cupping-therapy&therapist=priya-shah"))
    text = page.find("main").get_text(" ", strip=True)

    assert "Cupping Therapy" in text
    assert "Priya Shah" in text
    assert page.find("a", href="/book/?service=cupping-therapy&minutes=60&therapist=priya-shah")


@pytest.mark.parametrize(
    "path", ["/services/no-such-massage/", "/therapists/nobody/", "/no-such-page/"]
)
def test_unknown_addresses_get_the_styled_404(client, demo, path):
    response = client.get(path)

    assert response.status_code == 404
    page = soup(response)
    assert page.h1.string == "We can’t find that page"
    assert page.find("a", href="/book/")


def test_a_service_no_longer_offered_is_not_found(client, demo):
    Service.objects.filter(slug="cupping-therapy").update(is_active=False)

    assert client.get("/services/cupping-therapy/").status_code == 404
    assert b"/services/cupping-therapy/" not in client.get("/services/").content


def test_a_therapist_not_taking_bookings_is_not_listed(client, demo):
    Therapist.objects.filter(slug="priya-shah").update(is_active=False)

    assert client.get("/therapists/priya-shah/").status_code == 404
    assert b"Priya Shah" not in client.get("/therapists/").content


def test_the_500_page_is_styled_and_says_what_to_do():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "/static/css/site.css" in html


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/", "/services/", "/therapists/", "/back-pain-guide/"])
def test_pages_make_the_same_number_of_queries_as_the_catalog_grows_tenfold(client, demo, path):
    before = queries_for(client, path)
    for _ in range(30):
        service = ServiceFactory()
        ServiceOptionFactory(service=service, duration_minutes=60)
        ServiceOptionFactory(service=service, duration_minutes=90)
        TherapistFactory(services=[service])

    assert queries_for(client, path) == before


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/", 8), ("/services/", 6), ("/therapists/", 5), ("/services/hot-stone-therapy/", 6)],
)
def test_pages_stay_within_their_query_budget(
    client, demo, django_assert_max_num_queries, path, limit
):
    with django_assert_max_num_queries(limit):
        client.get(path)


def test_the_400_and_403_pages_are_styled_and_say_what_to_do():
    assert "We could not read that request" in render_to_string("400.html")
    assert "/static/css/site.css" in render_to_string("400.html")


def test_a_forbidden_page_uses_the_sites_403(client, demo):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("desk", password="pw", is_staff=True))

    response = client.get("/admin/reports/")

    assert response.status_code == 403
    assert "You can't open this page" in response.content.decode().replace("&#x27;", "'")


def test_the_footer_offers_the_source_code_where_the_clinic_says_it_is(client, demo, settings):
    """AGPL-3.0 section 13: users of a changed copy are offered its source."""
    assert not soup(client.get("/")).select(".site-footer a[href^='https://git']")

    settings.SOURCE_URL = "https://git.example.org/clinic/focusedcare"
    footer = soup(client.get("/about/")).select_one(".site-footer")

    link = footer.find("a", string="Focused Care")
    assert link["href"] == "https://git.example.org/clinic/focusedcare"
    assert "AGPL" in footer.get_text()
