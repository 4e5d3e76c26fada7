"""Uploaded photos become responsive pictures: several widths in AVIF (where Pillow writes it),
WebP and JPEG, made once and kept under MEDIA_ROOT; pages offer them with width, height and
srcset; without a photo they show a drawing."""

from io import BytesIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, features

from booking import images
from booking.models import Clinic, Therapist

pytestmark = pytest.mark.django_db

FORMATS = ["avif", "webp", "jpg"] if features.check("avif") else ["webp", "jpg"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    images._made.clear()
    yield tmp_path
    images._made.clear()


def photo(width: int, height: int, name: str = "portrait.jpg") -> SimpleUploadedFile:
    """A JPEG with camera metadata (a GPS tag), as phones upload them."""
    image = Image.new("RGB", (width, height), (120, 160, 140))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 2.0, 13.0)}  # GPSInfo: where the photo was taken
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def with_photo(demo_therapist: Therapist, django_capture_on_commit_callbacks) -> Therapist:
    with django_capture_on_commit_callbacks(execute=True):
        demo_therapist.photo = photo(900, 1200)
        demo_therapist.save()
    return demo_therapist


@pytest.fixture
def therapist(demo) -> Therapist:
    return Therapist.objects.active().order_by("slug").first()


def test_saving_a_photo_makes_every_width_in_every_format_square_and_without_metadata(
    therapist, media, django_capture_on_commit_callbacks
):
    with_photo(therapist, django_capture_on_commit_callbacks)

    stem = Path(therapist.photo.name).with_suffix("")
    for extension in FORMATS:
        for width in (160, 320, 640):
            made = media / "renditions" / f"{stem}-portrait-{width}w.{extension}"
            assert made.exists(), made
            with Image.open(made) as image:
                assert image.size == (width, width)
                assert not image.getexif(), f"{made.name} kept the camera's metadata"


def test_pages_offer_the_photo_as_a_picture_with_srcset_width_and_height(
    client, therapist, django_capture_on_commit_callbacks
):
    with_photo(therapist, django_capture_on_commit_callbacks)

    listed = soup(client.get("/therapists/")).find("img", alt=f"Portrait of {therapist.name}")
    detail = soup(client.get(f"/therapists/{therapist.slug}/")).find(
        "img", alt=f"Portrait of {therapist.name}"
    )

    for img in (listed, detail):
        picture = img.find_parent("picture")
        types = [source["type"] for source in picture.find_all("source")]
        assert types == [f"image/{f}" for f in FORMATS if f != "jpg"] + ["image/jpeg"]
        for source in picture.find_all("source"):
            widths = [c.split()[1] for c in source["srcset"].split(", ")]
            assert widths == ["160w", "320w", "640w"]
            assert source["sizes"]
        assert (img["width"], img["height"]) == ("160", "160")
        assert img["src"].endswith("-portrait-160w.jpg")
        assert therapist.photo.url not in str(picture)  # never the upload itself
    assert listed["loading"] == "lazy"
    assert "loading" not in detail.attrs and detail["fetchpriority"] == "high"  # above the fold


def test_a_small_photo_is_never_enlarged(therapist, media):
    therapist.photo = photo(300, 200)
    therapist.save()

    made = images.picture(therapist.photo, "portrait")

    assert made is not None
    assert [s.srcset for s in made.sources][-1].endswith("160w")
    assert (made.width, made.height) == (160, 160)


def test_without_a_photo_a_drawing_stands_in_not_initials(client, therapist):
    therapist.photo = ""
    therapist.save()

    html = soup(client.get(f"/therapists/{therapist.slug}/"))

    drawing = html.select_one("header img.avatar")
    assert drawing["src"].endswith("img/therapist.svg")
    assert drawing["alt"] == "" and drawing["width"] and drawing["height"]
    assert therapist.initials not in html.select_one("header.person-header").get_text()


def test_an_unreadable_upload_shows_the_drawing_instead_of_failing(client, therapist):
    therapist.photo = SimpleUploadedFile("broken.jpg", b"not an image", content_type="image/jpeg")
    therapist.save()

    response = client.get(f"/therapists/{therapist.slug}/")

    assert response.status_code == 200
    assert soup(response).select_one("header img.avatar")["src"].endswith("img/therapist.svg")


def test_the_home_page_shows_the_owners_photo_wide_or_else_its_drawing(
    client, demo, media, django_capture_on_commit_callbacks
):
    drawn = soup(client.get("/")).select_one(".hero img")
    assert drawn["src"].endswith("img/hero.svg") and drawn["alt"] == ""

    clinic = Clinic.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        clinic.hero_image = photo(1600, 1200, "room.jpg")
        clinic.hero_image_alt = "A quiet treatment room"
        clinic.save()

    img = soup(client.get("/")).select_one(".hero img")
    assert img["alt"] == "A quiet treatment room"
    assert (img["width"], img["height"]) == ("640", "426")  # 3:2
    srcset = img.find_parent("picture").find("source")["srcset"]
    assert [c.split()[1] for c in srcset.split(", ")] == ["640w", "960w", "1440w"]
    assert (media / "renditions" / "clinic" / "room-hero-1440w.webp").exists()
