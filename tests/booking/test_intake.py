"""Assessment before action: red-flag screening and the intake, in the flow and in admin."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from booking.clock import clinic_time
from booking.exceptions import NeedsDoctor
from booking.models import Appointment, Intake
from booking.screening import RedFlag
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from booking.services.intake import IntakeAnswers
from tests.booking.test_views_book import CONTACT, INTAKE, flow, local
from tests.factories import at

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 08:00")


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


def post_details(client, day, confirm=False, **intake):
    data = {**flow(day), **CONTACT, **INTAKE, **intake}
    if confirm:
        data["confirm"] = "1"
    return client.post("/book/", data)


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.mark.parametrize("flag", [f for f in RedFlag.values if f != RedFlag.BLADDER_BOWEL])
@pytest.mark.parametrize("confirm", [False, True], ids=["details", "confirm"])
def test_each_red_flag_stops_the_online_booking_with_the_phone_number(
    client, clinic_week, day, flag, confirm
):
    response = post_details(client, day, confirm=confirm, red_flags=[flag])

    shown = text(response)
    assert "Please see a doctor first" in shown
    assert RedFlag(flag).label.lower() in shown
    assert "does not replace medical care" in shown
    assert "(717) 555-0142" in shown
    assert "Check and confirm" not in shown
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("cleared", [False, True], ids=["not-cleared", "cleared"])
def test_loss_of_bladder_or_bowel_control_is_an_emergency_and_books_nothing(
    client, clinic_week, day, cleared
):
    extra = {"cleared_by_doctor": "on"} if cleared else {}

    response = post_details(client, day, confirm=True, red_flags=["bladder_bowel"], **extra)

    shown = text(response)
    page = BeautifulSoup(response.content, "html.parser")
    assert "Please get medical help today" in shown
    assert "emergency" in shown
    assert "(717) 555-0142" in shown
    # The only form left goes back to the answers ("ticked by mistake?"), without that box.
    (way_back,) = page.find_all("form", attrs={"action": "/book/"})
    assert way_back.find("input", attrs={"name": "edit"})
    assert not way_back.find("input", attrs={"name": "red_flags", "value": "bladder_bowel"})
    assert not way_back.find("input", attrs={"name": "confirm"})
    assert not Appointment.objects.exists()


def test_the_emergency_flag_books_nothing_even_through_the_service_with_a_clearance(
    clinic_week,
):
    answers = IntakeAnswers(
        zones=["lower_back"],
        duration="days",
        pressure=2,
        consent=True,
        red_flags=["bladder_bowel"],
        cleared_by_doctor=True,
    )

    with pytest.raises(NeedsDoctor) as stopped:
        book_appointment(
            option=clinic_week.option,
            start=at("2026-03-10 10:00"),
            therapist=clinic_week.therapist,
            client=ClientDetails(**CONTACT),
            intake=answers,
            now=NOW,
        )

    assert stopped.value.screening.is_emergency
    assert not Appointment.objects.exists()


def test_a_client_cleared_by_a_doctor_books_and_the_appointment_is_flagged(
    client, clinic_week, day
):
    extra = {"red_flags": ["accident", "numbness"], "cleared_by_doctor": "on"}
    review = post_details(client, day, **extra)
    assert "your therapist will see this" in text(review)
    hidden = BeautifulSoup(review.content, "html.parser").select("form input[type=hidden]")
    data = {}
    for field in hidden:
        data.setdefault(field["name"], []).append(field["value"])

    booked = client.post("/book/", {**data, "confirm": "1"})

    assert booked.status_code == 302
    intake = Appointment.objects.get().intake
    assert intake.red_flags == ["numbness", "accident"]
    assert intake.cleared_by_doctor
    assert intake.screening.needs_attention
    assert intake.zones == ["lower_back"] and intake.pressure == 3


def test_the_intake_is_saved_with_the_appointment(client, clinic_week, day):
    response = post_details(
        client,
        day,
        confirm=True,
        zones=["upper_back", "leg"],
        habits=["desk_phone", "driving"],
        previous_injuries="Broken collarbone, 2019",
        pressure="5",
        goals="Turn my head when driving",
    )

    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.appointment.start == local(day, "10:00")
    assert intake.zones == ["upper_back", "leg"]
    assert intake.habits == ["driving", "desk_phone"]  # in the order the question lists them
    assert intake.previous_injuries == "Broken collarbone, 2019"
    assert intake.pressure == 5


def test_confirming_the_booking_records_the_clients_consent_with_their_name_and_the_time(
    client, admin_client, clinic_week, day
):
    before = timezone.now()

    response = post_details(client, day, confirm=True, name="  Ann   Client ")

    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.consent
    assert intake.consent_name == "Ann Client"  # as typed in the details, spacing tidied
    assert before <= intake.consented_at <= timezone.now()
    shown = text(admin_client.get(f"/admin/booking/appointment/{intake.appointment_id}/change/"))
    assert f"Consent: Given by Ann Client, {clinic_time(intake.consented_at)}" in shown
    assert "Consent signed again with today's scores: Not signed again" in shown


def test_the_review_shows_the_consent_statement_right_above_the_confirm_button(
    client, clinic_week, day
):
    details = BeautifulSoup(client.get("/book/", flow(day)).content, "html.parser")
    review = post_details(client, day)

    page = BeautifulSoup(review.content, "html.parser")
    button = page.find("button", attrs={"name": "confirm"})
    statement = button.find_parent("p").find_previous_sibling("p")
    assert statement.get_text(" ", strip=True) == (
        "By confirming, you agree to an assessment before your session and understand that "
        "massage supports recovery but does not replace medical care."
    )
    assert button["aria-describedby"] == statement["id"]
    assert not details.find("input", attrs={"type": "checkbox", "name": "consent"})
    assert not Intake.objects.exists()  # reviewing agrees to nothing yet


def test_answers_booked_without_the_clients_confirmation_record_no_consent(clinic_week):
    booked = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(**CONTACT),
        intake=IntakeAnswers(zones=["leg"], pressure=3),
        now=NOW,
    )

    intake = Intake.objects.get(appointment=booked)
    assert not intake.consent
    assert (intake.consent_name, intake.consented_at) == ("", None)


@pytest.mark.parametrize(
    ("consent", "shown"),
    [(True, "Consent: Given (name and time not on record)"), (False, "Consent: Not given")],
    ids=["old-checkbox", "none"],
)
def test_staff_read_plainly_a_consent_kept_without_a_name_or_a_time(
    admin_client, clinic_week, consent, shown
):
    booked = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(**CONTACT),
        intake=IntakeAnswers(zones=["leg"], pressure=3, consent=consent),  # the old checkbox
        now=NOW,
    )

    page = text(admin_client.get(f"/admin/booking/appointment/{booked.pk}/change/"))

    assert shown in page
    assert "Consent signed again with today's scores: Not signed again" in page
    assert "Consent typed as" not in page  # no blank name and time beside it


def test_a_booking_without_how_long_it_has_hurt_books_and_staff_see_it_was_not_said(
    client, admin_client, clinic_week, day
):
    details = text(client.get("/book/", flow(day)))

    booked = post_details(client, day, confirm=True, duration="")

    assert "How long has it hurt? (optional)" in details
    assert booked.status_code == 302
    intake = Intake.objects.get()
    assert intake.duration == ""
    shown = text(admin_client.get(f"/admin/booking/appointment/{intake.appointment_id}/change/"))
    assert "How long it has hurt: Not said" in shown


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"zones": []}, "Please tick where it hurts."),
        ({"zones": ["spleen"]}, "Select a valid choice."),
        ({"duration": "forever"}, "Select a valid choice."),
        ({"pressure": "9"}, "Select a valid choice."),
        ({"red_flags": ["headache"]}, "Select a valid choice."),
        ({"previous_injuries": "x" * 5000}, "at most 1000 characters"),
        ({"goals": "y" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_intake_answers_get_a_message_and_400_with_what_was_typed_kept(
    client, clinic_week, day, change, message
):
    response = post_details(client, day, confirm=True, **change)

    assert response.status_code == 400
    assert message in text(response)
    assert (
        BeautifulSoup(response.content, "html.parser").find("input", attrs={"name": "email"})[
            "value"
        ]
        == CONTACT["email"]
    )
    assert not Appointment.objects.exists()


def test_health_answers_never_travel_in_a_url(client, clinic_week, day):
    details = client.get("/book/", flow(day))
    review = post_details(client, day, previous_injuries="Whiplash")
    booked = post_details(client, day, confirm=True, previous_injuries="Whiplash")

    for response in (details, review):
        for form in BeautifulSoup(response.content, "html.parser").find_all("form"):
            assert form.get("method", "get").lower() == "post"
    assert "Whiplash" not in booked["Location"]
    assert "zones" not in booked["Location"]


@pytest.fixture
def flagged_booking(clinic_week):
    return book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(**CONTACT),
        intake=IntakeAnswers(
            zones=["lower_back"],
            duration="months_years",
            pressure=4,
            consent=True,
            red_flags=["accident"],
            cleared_by_doctor=True,
            previous_injuries="Car accident in May",
        ),
        now=NOW,
    )


def test_staff_allowed_to_read_health_answers_see_red_flags_first(admin_client, flagged_booking):
    response = admin_client.get(f"/admin/booking/appointment/{flagged_booking.pk}/change/")
    shown = text(response)

    assert "A recent accident or fall (cleared by a doctor)" in shown
    assert shown.index("Red flags") < shown.index("Where it hurts")
    assert "Car accident in May" in shown
    listing = text(admin_client.get("/admin/booking/appointment/"))
    assert "⚑ cleared" in listing


def test_staff_without_the_health_permission_see_no_intake(client, flagged_booking):
    desk = User.objects.create_user("desk", password="pw", is_staff=True)
    desk.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    client.force_login(desk)

    shown = text(client.get(f"/admin/booking/appointment/{flagged_booking.pk}/change/"))
    listing = text(client.get("/admin/booking/appointment/"))

    assert "Car accident in May" not in shown
    assert "Red flags" not in shown
    assert "⚑" not in listing
    assert client.get("/admin/booking/intake/").status_code == 404
