"""What search engines and link previews read: JSON-LD, the sitemap, robots.txt."""

import json
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from booking.models import Service, Therapist

pytestmark = pytest.mark.django_db


def json_ld(client, path: str) -> list[dict]:
    page = BeautifulSoup(client.get(path).content, "html.parser")
    return [json.loads(tag.string) for tag in page.find_all("script", type="application/ld+json")]


def test_home_describes_the_clinic_as_a_local_business_with_address_and_hours(client, demo):
    (business,) = json_ld(client, "/")

    assert business["@type"] == "HealthAndBeautyBusiness"
    assert business["name"] == "Focused Care Therapeutic Massage"
    assert business["address"]["addressLocality"] == "Lancaster"
    assert business["address"]["addressRegion"] == "PA"
    assert business["telephone"]
    days = {spec["dayOfWeek"] for spec in business["openingHoursSpecification"]}
    assert "https://schema.org/Monday" in days


def test_each_service_page_describes_the_service_with_its_prices(client, demo):
    for service in Service.objects.all():
        (data,) = json_ld(client, service.get_absolute_url())

        assert data["@type"] == "Service"
        assert data["name"] == service.name
        assert {offer["price"] for offer in data["offers"]} == {
            str(option.price) for option in service.options.all()
        }
        assert data["provider"]["@id"].endswith("/#clinic")


def test_the_guide_is_an_article_published_by_the_clinic(client, demo):
    (article,) = json_ld(client, "/back-pain-guide/")

    assert article["@type"] == "Article"
    assert article["headline"].startswith("More Than Just Relaxation")
    assert article["publisher"]["name"] == "Focused Care Therapeutic Massage"


def test_text_from_the_database_cannot_close_the_json_ld_script(client, demo):
    Service.objects.filter(slug="cupping-therapy").update(summary="</script><script>alert(1)")

    html = client.get("/services/cupping-therapy/").content.decode()
    (data,) = json_ld(client, "/services/cupping-therapy/")

    assert "</script><script>alert(1)" not in html
    assert data["description"] == "</script><script>alert(1)"


def test_the_sitemap_lists_every_public_page(client, demo):
    response = client.get("/sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {
        loc.text.removeprefix("http://testserver")
        for loc in ET.fromstring(response.content).findall("s:url/s:loc", namespace)
    }

    expected = {"/", "/back-pain-guide/", "/services/", "/therapists/", "/about/", "/book/"}
    expected |= {"/gift-certificates/"}
    expected |= {"/find-my-massage/"}
    expected |= {s.get_absolute_url() for s in Service.objects.all()}
    expected |= {t.get_absolute_url() for t in Therapist.objects.all()}
    assert urls == expected
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_robots_txt_points_to_the_sitemap_and_keeps_private_pages_out(client):
    response = client.get("/robots.txt")
    text = response.content.decode()

    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text
    assert "Disallow: /booking/" in text
