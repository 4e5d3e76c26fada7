"""What search engines and link previews read: JSON-LD, the sitemap, robots.txt."""

import json
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile

from booking.models import Clinic, Service, Therapist

pytestmark = pytest.mark.django_db

SITE = "https://www.focusedcare.example"
OTHER_HOST = "203.0.113.7:8000"


@pytest.fixture
def site_url(settings):
    """The public address differs from the host the request comes in on (a proxy, a bare IP)."""
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, OTHER_HOST.split(":")[0]]


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


def test_the_sitemap_lists_every_public_page_at_its_site_url_address(client, demo, site_url):
    response = client.get("/sitemap.xml", headers={"host": OTHER_HOST})
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [
        loc.text for loc in ET.fromstring(response.content).findall("s:url/s:loc", namespace)
    ]
    assert all(location.startswith(f"{SITE}/") for location in locations), locations
    urls = {location.removeprefix(SITE) for location in locations}

    expected = {"/", "/back-pain-guide/", "/services/", "/therapists/", "/about/", "/book/"}
    expected |= {"/gift-certificates/"}
    expected |= {"/find-my-massage/"}
    expected |= {s.get_absolute_url() for s in Service.objects.all()}
    expected |= {t.get_absolute_url() for t in Therapist.objects.all()}
    assert urls == expected
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_robots_txt_points_to_the_sitemap_and_keeps_private_pages_out(client, site_url):
    response = client.get("/robots.txt", headers={"host": OTHER_HOST})
    text = response.content.decode()

    assert response["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {SITE}/sitemap.xml" in text
    assert "Disallow: /admin/" in text
    assert "Disallow: /booking/" in text


def test_every_page_names_its_site_url_address_whatever_host_it_was_asked_on(
    client, demo, site_url
):
    therapist = Therapist.objects.active().first()
    for path in ["/", "/back-pain-guide/", "/services/", therapist.get_absolute_url()]:
        page = BeautifulSoup(client.get(path, headers={"host": OTHER_HOST}).content, "html.parser")

        assert page.find("link", rel="canonical")["href"] == f"{SITE}{path}"
        assert page.find("meta", property="og:url")["content"] == f"{SITE}{path}"
        assert page.find("meta", property="og:image")["content"].startswith(f"{SITE}/static/")
        assert OTHER_HOST.split(":")[0] not in str(page.head), path


def test_structured_data_addresses_come_from_site_url(client, demo, site_url):
    service = Service.objects.active().first()

    (business,) = json_ld_on(client, "/")
    (data,) = json_ld_on(client, service.get_absolute_url())
    (article,) = json_ld_on(client, "/back-pain-guide/")

    assert (business["@id"], business["url"]) == (f"{SITE}/#clinic", f"{SITE}/")
    assert data["url"] == f"{SITE}{service.get_absolute_url()}"
    assert data["provider"]["@id"] == f"{SITE}/#clinic"
    assert article["url"] == f"{SITE}/back-pain-guide/"


def json_ld_on(client, path: str) -> list[dict]:
    page = BeautifulSoup(client.get(path, headers={"host": OTHER_HOST}).content, "html.parser")
    return [json.loads(tag.string) for tag in page.find_all("script", type="application/ld+json")]


def test_a_therapist_page_describes_the_therapist_as_a_person_working_at_the_clinic(
    client, demo, site_url, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    therapist = Therapist.objects.active().first()
    therapist.credentials = "LMT"
    therapist.photo.save("portrait.png", ContentFile(PNG), save=True)
    url = f"{SITE}{therapist.get_absolute_url()}"

    (person,) = json_ld_on(client, therapist.get_absolute_url())
    (business,) = json_ld_on(client, "/")

    assert person["@context"] == "https://schema.org"
    assert person["@type"] == "Person"
    assert person["name"] == therapist.name
    assert person["jobTitle"] == "Massage therapist"
    assert person["honorificSuffix"] == "LMT"
    assert person["url"] == url
    assert person["knowsAbout"] == therapist.specialties_list
    assert person["image"] == f"{SITE}{therapist.photo.url}"
    works_for = person["worksFor"]
    assert works_for["@type"] == business["@type"] == "HealthAndBeautyBusiness"
    assert works_for["@id"] == business["@id"]
    assert works_for["name"] == Clinic.objects.get().name


def test_a_therapist_without_a_photo_or_clinic_details_still_has_valid_structured_data(
    client, demo
):
    therapist = Therapist.objects.active().first()
    Therapist.objects.filter(pk=therapist.pk).update(photo="", credentials="")
    Clinic.objects.all().delete()

    (person,) = json_ld(client, therapist.get_absolute_url())

    assert person["@type"] == "Person" and person["name"] == therapist.name
    assert "image" not in person and "worksFor" not in person
    assert "honorificSuffix" not in person


# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)
