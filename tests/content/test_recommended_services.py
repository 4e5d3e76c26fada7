"""Find my massage follows the services the clinic has: a service the owner renames is still
suggested, one retired is reported to staff (system check and log) and never leaves the client
with nothing, and the check stays quiet while the table and the catalog agree."""

import logging

import pytest
from django.core.checks import run_checks

from booking.models import Service
from content import recommend
from content.checks import recommended_services_are_offered
from tests.content.test_find_my_massage import LEG_PAIN, STRESS, URL, main_text, suggested

pytestmark = pytest.mark.django_db

HOT_STONE = "hot-stone-therapy"
SCIATICA = "sciatica-piriformis-release"


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    """Staff are told once per process: each test starts as a new process."""
    monkeypatch.setattr(recommend, "_warned", set())


def rename(slug: str, new_slug: str, new_name: str) -> None:
    """As the owner does in admin: a save, so the service's history remembers the old slug."""
    service = Service.objects.get(slug=slug)
    service.slug, service.name = new_slug, new_name
    service.save()


def check() -> list[tuple[str, str]]:
    return [(m.id, m.msg) for m in recommended_services_are_offered(databases=["default"])]


def test_the_check_is_quiet_when_every_suggested_service_is_offered(demo):
    assert check() == []
    assert not [m for m in run_checks(databases=["default"]) if m.id.startswith("content.")]


def test_the_check_runs_only_when_asked_about_a_database(demo):
    Service.objects.filter(slug=HOT_STONE).update(is_active=False)

    assert recommended_services_are_offered(databases=None) == []
    assert [m.id for m in run_checks(databases=["default"]) if m.id.startswith("content.")] == [
        "content.W003"
    ]


def test_a_renamed_service_is_reported_with_its_new_slug_and_still_suggested(client, demo, caplog):
    rename(HOT_STONE, "hot-stones", "Warm Stone Massage")

    ((code, message),) = check()
    assert code == "content.W001"
    assert "'hot-stone-therapy'" in message and "'hot-stones'" in message

    with caplog.at_level(logging.WARNING, logger="content.recommend"):
        response = client.post(URL, STRESS)
        client.post(URL, STRESS)

    assert response.status_code == 200
    assert suggested(response)[0] == "Warm Stone Massage"
    assert "Knots and tension headaches: hot stone therapy" in main_text(response)
    warnings = [r.getMessage() for r in caplog.records if r.name == "content.recommend"]
    assert len(warnings) == 1  # once, not on every visit
    assert "'hot-stone-therapy'" in warnings[0] and "'hot-stones'" in warnings[0]


def test_a_retired_service_is_reported_and_its_suggestion_left_out_with_staff_told(
    client, demo, caplog
):
    Service.objects.filter(slug=SCIATICA).update(is_active=False)

    ((code, message),) = check()
    assert code == "content.W003" and SCIATICA in message

    with caplog.at_level(logging.WARNING, logger="content.recommend"):
        response = client.post(URL, {**LEG_PAIN, "triggers": ["stress"]})

    assert suggested(response) == ["Hot Stone Therapy"]
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "content.recommend"]
    assert SCIATICA in warning and "does not offer" in warning


def test_a_retired_service_that_was_the_only_match_gives_way_to_the_assessment_first_one(
    client, demo
):
    Service.objects.filter(slug=SCIATICA).update(is_active=False)

    response = client.post(
        URL, {"areas": ["leg"], "feelings": ["tingling_leg"], "duration": "days"}
    )

    assert suggested(response) == ["Deep Tissue & Myoskeletal Alignment"]
    assert "Every session starts with assessment" in main_text(response)


def test_a_service_that_does_not_exist_is_reported_as_missing(db):
    """A catalog without the guide's services (a new clinic's, or a slug mistyped)."""
    assert check() == [
        ("content.W002", f"Find my massage suggests the service {slug!r}, which does not exist.")
        for slug in recommend.mapped_slugs()
    ]
    assert len(recommend.mapped_slugs()) == 4


def test_the_logged_warning_names_the_service_only_never_the_answers(client, demo, caplog):
    Service.objects.filter(slug=SCIATICA).update(is_active=False)
    note = "Pins and needles since my fall"

    with caplog.at_level(logging.DEBUG):
        client.post(URL, {**LEG_PAIN, "note": note})

    logged = " ".join(r.getMessage() for r in caplog.records)
    assert note not in logged
    assert "Tingling down the leg" not in logged and "tingling_leg" not in logged
