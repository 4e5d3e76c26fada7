"""/find-my-massage/ over HTTP: the questionnaire, its suggestions, the red-flag stop, bad input."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from booking.models import Service
from booking.screening import EMERGENCY_FLAGS, RedFlag
from content.forms import FindMyMassageForm
from tests.factories import ServiceFactory, ServiceOptionFactory, TherapistFactory

pytestmark = pytest.mark.django_db

URL = "/find-my-massage/"
PHONE_LINK = "tel:+17175550142"
LEG_PAIN = {
    "areas": ["leg", "lower_back"],
    "feelings": ["tingling_leg"],
    "duration": "weeks",
    "triggers": ["sitting"],
}
STRESS = {
    "areas": ["upper_back"],
    "feelings": ["knots_headaches"],
    "duration": "months_years",
    "triggers": ["stress", "desk_phone"],
}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def main_text(response) -> str:
    return soup(response).find("main").get_text(" ", strip=True)


def suggested(response) -> list[str]:
    """The names of the suggested services, in the page's order."""
    return [h3.get_text(strip=True) for h3 in soup(response).select("ol.recommendations h3")]


def ticked(response) -> set[tuple[str, str]]:
    return {(box["name"], box["value"]) for box in soup(response).select("form input[checked]")}


def alert_text(response) -> str:
    return " ".join(a.get_text(" ", strip=True) for a in soup(response).select('[role="alert"]'))


def test_the_questionnaire_asks_each_question_in_its_own_labelled_group(client, demo):
    response = client.get(URL)

    assert response.status_code == 200
    page = soup(response)
    assert len(page.find_all("h1")) == 1
    form = page.find("main").find("form")
    assert form["method"] == "post"
    assert form.find("input", attrs={"name": "csrfmiddlewaretoken"})
    legends = [legend.get_text(" ", strip=True) for legend in form.find_all("legend")]
    assert [legend.rstrip("*").strip() for legend in legends] == [
        "Where does it hurt?",
        "What does it feel like?",
        "How long has it hurt?",
        "What makes it worse?",
        "Do any of these apply to you?",
    ]
    for field in form.find_all(["input", "textarea"]):
        if field.get("type") != "hidden":
            assert form.find("label", attrs={"for": field["id"]}), field
    text = form.get_text(" ", strip=True)
    for answer in ["Pain travelling down the leg", "Burning between the shoulder blades"]:
        assert answer in text
    for flag in RedFlag.labels:
        assert flag in text


def test_the_questionnaire_asks_about_exactly_the_red_flags_booking_screens_for():
    assert FindMyMassageForm().fields["red_flags"].choices == RedFlag.choices


def test_answers_in_the_address_are_not_read(client, demo):
    response = client.get(URL, {"areas": "leg", "duration": "weeks"})

    assert response.status_code == 200
    assert suggested(response) == []


def test_answers_suggest_services_ranked_each_with_its_reason_prices_and_book_button(client, demo):
    response = client.post(URL, LEG_PAIN)

    assert response.status_code == 200
    assert suggested(response)[0] == "Sciatica & Piriformis Release"
    first = soup(response).select_one("ol.recommendations > li")
    text = first.get_text(" ", strip=True)
    assert "pain that travels down the leg" in text.lower()
    assert "hips and glutes" in text
    assert "60 minutes $100" in text and "90 minutes $140" in text
    book = first.find("a", href="/book/?service=sciatica-piriformis-release")
    assert book.get_text(strip=True) == "Book sciatica & piriformis release"
    assert first.find("a", href="/services/sciatica-piriformis-release/")


def test_stress_with_knots_suggests_hot_stone_first(client, demo):
    response = client.post(URL, STRESS)

    assert suggested(response)[:2] == ["Hot Stone Therapy", "Deep Tissue & Myoskeletal Alignment"]
    assert "Stress held in the upper back and shoulders" in main_text(response)


def test_every_suggestion_has_a_book_button_for_its_own_service(client, demo):
    response = client.post(URL, STRESS)

    cards = soup(response).select("ol.recommendations > li")
    assert len(cards) >= 2
    for card in cards:
        service = Service.objects.get(name=card.find("h3").get_text(strip=True))
        assert card.find("a", class_="button")["href"] == service.book_url


def test_the_suggestions_are_not_kept_by_any_cache(client, demo):
    response = client.post(URL, STRESS)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_note_is_shown_back_and_not_as_html(client, demo):
    response = client.post(URL, {**STRESS, "note": "Old <b>rugby</b> injury"})

    note = soup(response).select_one(".note")
    assert "Old <b>rugby</b> injury" in note.get_text()
    assert note.find("b") is None


def test_the_answers_are_kept_to_change_them(client, demo):
    response = client.post(URL, STRESS)

    assert ticked(response) == {
        ("areas", "upper_back"),
        ("feelings", "knots_headaches"),
        ("duration", "months_years"),
        ("triggers", "stress"),
        ("triggers", "desk_phone"),
    }


def test_a_service_the_clinic_no_longer_offers_is_not_suggested(client, demo):
    Service.objects.filter(slug="sciatica-piriformis-release").update(is_active=False)

    response = client.post(URL, {**LEG_PAIN, "triggers": ["stress"]})

    assert response.status_code == 200
    assert suggested(response) == ["Hot Stone Therapy"]


def test_with_no_matching_service_offered_it_suggests_the_assessment_first_one(client, demo):
    Service.objects.filter(slug="sciatica-piriformis-release").update(is_active=False)

    response = client.post(URL, {"areas": ["leg"], "duration": "days"})

    assert response.status_code == 200
    assert suggested(response) == ["Deep Tissue & Myoskeletal Alignment"]
    assert "Every session starts with assessment" in main_text(response)


def test_with_nothing_it_could_suggest_offered_it_says_to_call(client, demo):
    Service.objects.filter(
        slug__in=["sciatica-piriformis-release", "deep-tissue-myoskeletal-alignment"]
    ).update(is_active=False)

    response = client.post(URL, {"areas": ["leg"], "duration": "days"})

    assert response.status_code == 200
    assert suggested(response) == []
    assert soup(response).find("main").find("a", href=PHONE_LINK)


@pytest.mark.parametrize("flag", RedFlag.values)
def test_every_red_flag_stops_with_the_phone_number_and_no_suggestion(client, demo, flag):
    response = client.post(URL, {**LEG_PAIN, "red_flags": [flag]})

    assert response.status_code == 200
    stop = soup(response).select_one('section.stop[role="alert"]')
    assert stop.find("a", href=PHONE_LINK)
    assert "doctor" in stop.get_text()
    assert suggested(response) == []
    assert not soup(response).find("main").select('a[href^="/book/?service="]')


@pytest.mark.parametrize("flag", sorted(set(RedFlag.values) - EMERGENCY_FLAGS))
def test_a_red_flag_says_see_a_doctor_first_and_names_it(client, demo, flag):
    response = client.post(URL, {**STRESS, "red_flags": [flag]})

    text = alert_text(response)
    assert "Please see a doctor first" in text
    assert RedFlag(flag).label.lower() in text
    assert "Massage supports recovery but does not replace medical care." in text
    assert "emergency" not in text.lower()


def test_loss_of_bladder_or_bowel_control_is_called_an_emergency(client, demo):
    response = client.post(URL, {**STRESS, "red_flags": [RedFlag.BLADDER_BOWEL]})

    text = alert_text(response)
    assert "can be a medical emergency" in text
    assert "emergency room" in text
    assert "911" in text
    assert "Please see a doctor first" not in text


def test_the_emergency_wins_over_other_red_flags(client, demo):
    response = client.post(URL, {**STRESS, "red_flags": list(RedFlag.values)})

    assert "can be a medical emergency" in alert_text(response)


def test_a_red_flag_stops_even_with_nothing_else_answered(client, demo):
    response = client.post(URL, {"red_flags": [RedFlag.BLADDER_BOWEL]})

    assert response.status_code == 200
    assert "can be a medical emergency" in alert_text(response)
    assert "Please tick at least one place" not in main_text(response)
    assert ticked(response) == {("red_flags", "bladder_bowel")}


def test_nothing_ticked_says_what_is_missing(client, demo):
    response = client.post(URL, {})

    assert response.status_code == 400
    text = alert_text(response)
    assert "Please tick at least one place where it hurts." in text
    assert "Please tell us how long it has hurt." in text
    assert suggested(response) == []


@pytest.mark.parametrize(
    "field",
    ["areas", "feelings", "duration", "triggers", "red_flags"],
)
def test_an_unknown_answer_is_refused_with_a_message(client, demo, field):
    response = client.post(URL, {**STRESS, field: "<script>made-up</script>"})

    assert response.status_code == 400
    assert "Please choose from the answers listed." in alert_text(response)
    assert b"<script>made-up" not in response.content
    assert suggested(response) == []


def test_an_unknown_answer_among_known_ones_is_refused(client, demo):
    response = client.post(URL, {**STRESS, "areas": ["upper_back", "elbow"]})

    assert response.status_code == 400
    assert "Please choose from the answers listed." in alert_text(response)


def test_a_note_over_500_characters_is_refused_and_the_ticks_are_kept(client, demo):
    response = client.post(URL, {**STRESS, "note": "x" * 501})

    assert response.status_code == 400
    assert "Please keep this to 500 characters (it has 501)." in alert_text(response)
    page = soup(response)
    assert page.find("input", attrs={"name": "triggers", "value": "stress", "checked": True})
    assert page.find("textarea", attrs={"name": "note"}).get_text().strip() == "x" * 501


def test_a_note_of_500_characters_is_fine(client, demo):
    response = client.post(URL, {**STRESS, "note": "x" * 500})

    assert response.status_code == 200
    assert suggested(response)


def test_a_note_with_a_null_character_is_refused(client, demo):
    response = client.post(URL, {**STRESS, "note": "bad\x00note"})

    assert response.status_code == 400
    assert "Null characters are not allowed." in alert_text(response)


def test_a_request_too_big_to_read_is_a_400(client, demo):
    response = client.post(URL, {**STRESS, "note": "x" * (3 * 1024 * 1024)})

    assert response.status_code == 400


def test_too_many_answers_to_read_is_a_400(client, demo):
    response = client.post(URL, {**STRESS, "areas": ["upper_back"] * 2000})

    assert response.status_code == 400


def test_answers_without_the_form_token_are_refused(demo):
    response = Client(enforce_csrf_checks=True).post(URL, STRESS)

    assert response.status_code == 403


def test_only_get_and_post_are_answered(client, demo):
    assert client.put(URL).status_code == 405


def test_the_guide_the_home_page_and_the_main_menu_link_here(client, demo):
    for path in ["/", "/back-pain-guide/"]:
        page = soup(client.get(path))
        assert page.select_one(f'header nav a[href="{URL}"]').get_text() == "Find my massage"
        link = page.find("main").find("a", href=URL)
        assert link.get_text(strip=True) == "Not sure which massage? Find my massage"


def queries_for(client, data: dict | None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, data) if data else client.get(URL)
        assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("data", "limit"), [(None, 2), (STRESS, 5), ({**STRESS, "red_flags": ["accident"]}, 2)]
)
def test_the_page_stays_within_its_query_budget(client, demo, data, limit):
    assert queries_for(client, data) <= limit


def test_the_suggestions_make_the_same_number_of_queries_as_the_catalog_grows(client, demo):
    before = queries_for(client, STRESS)
    for service in Service.objects.all():
        for minutes in (30, 45, 120):
            ServiceOptionFactory(service=service, duration_minutes=minutes)
        TherapistFactory(services=[service])
    for _ in range(20):
        ServiceFactory()

    assert queries_for(client, STRESS) == before
