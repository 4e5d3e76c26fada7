"""Roles: what the owner, the front desk and a therapist can see and change in the back office."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.test import Client as Browser
from django.utils import timezone

from booking.models import Appointment, Intake, ServiceOption
from booking.services.appointments import reschedule_appointment
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    TherapistFactory,
    at,
    staff_user,
    week_of_hours,
)

pytestmark = pytest.mark.django_db


def login(role: str, username: str) -> tuple[Browser, User]:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    browser = Browser()
    browser.force_login(user)
    return browser, user


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def two_therapists(clinic_week):
    """Maria (with a login) and James, each with a client, an appointment and an intake."""
    maria = clinic_week.therapist
    james = TherapistFactory(name="James Whitaker", slug="james", services=[clinic_week.service])
    week_of_hours(james, [("09:00", "17:00")])
    appointments = {}
    for therapist, client_name, injury in [
        (maria, "Mary Own", "Old knee injury"),
        (james, "Jim Other", "Shoulder surgery 2020"),
    ]:
        appointment = AppointmentFactory(
            therapist=therapist,
            option=clinic_week.option,
            client=ClientFactory(name=client_name, email=f"{client_name.split()[0]}@example.com"),
            start=timezone.now() - timedelta(hours=2),
        )
        Intake.objects.create(
            appointment=appointment,
            zones=["upper_back"],
            duration="weeks",
            pressure=3,
            consent=True,
            previous_injuries=injury,
        )
        appointments[therapist.slug] = appointment
    return maria, james, appointments


@pytest.fixture
def therapist_login(two_therapists):
    maria, _, _ = two_therapists
    browser, user = login("Therapist", "maria")
    maria.user = user
    maria.save()
    return browser


def test_the_three_roles_exist_as_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Owner", "Front desk", "Therapist"}


def test_a_therapist_sees_only_their_own_appointments_clients_and_intakes(
    therapist_login, two_therapists
):
    _, _, appointments = two_therapists

    listing = text(therapist_login.get("/admin/booking/appointment/"))
    clients = text(therapist_login.get("/admin/booking/client/"))
    own = text(
        therapist_login.get(f"/admin/booking/appointment/{appointments['maria'].pk}/change/")
    )

    assert "Mary Own" in listing and "Jim Other" not in listing
    assert "Mary Own" in clients and "Jim Other" not in clients
    assert "Old knee injury" in own


def test_a_therapist_searching_for_another_therapists_client_finds_nothing(therapist_login):
    appointments = text(therapist_login.get("/admin/booking/appointment/?q=Jim"))
    clients = text(therapist_login.get("/admin/booking/client/?q=Jim"))

    assert "Jim Other" not in appointments
    assert "Jim Other" not in clients
    assert "0 clients" in clients or "0 results" in clients


def test_a_therapist_opening_another_therapists_appointment_or_client_by_url_gets_403(
    therapist_login, two_therapists
):
    _, _, appointments = two_therapists
    other = appointments["james"]

    for url in [
        f"/admin/booking/appointment/{other.pk}/change/",
        f"/admin/booking/appointment/{other.pk}/history/",
        f"/admin/booking/client/{other.client.pk}/change/",
    ]:
        response = therapist_login.get(url)
        assert response.status_code == 403, url
        assert "Shoulder surgery" not in response.content.decode()


def test_a_therapist_sees_only_their_own_column_in_the_calendar_and_day_sheet(
    therapist_login, two_therapists
):
    day = timezone.localdate().isoformat()

    calendar = text(therapist_login.get(f"/admin/calendar/?date={day}"))
    sheet = text(therapist_login.get(f"/admin/calendar/day-sheet/?date={day}"))

    assert "Maria Alvarez" in calendar and "James Whitaker" not in calendar
    assert "Jim Other" not in sheet


def test_a_therapist_marks_their_session_completed_but_cannot_cancel_or_move_it(
    therapist_login, two_therapists
):
    _, _, appointments = two_therapists
    own = appointments["maria"]
    changelist = therapist_login.get("/admin/booking/appointment/").content.decode()

    therapist_login.post(
        "/admin/booking/appointment/",
        {"action": "mark_completed", "_selected_action": [own.pk, appointments["james"].pk]},
    )

    assert 'value="cancel_selected"' not in changelist
    own.refresh_from_db()
    assert own.status == "completed"
    assert Appointment.objects.get(pk=appointments["james"].pk).status == "booked"
    assert therapist_login.get(f"/admin/appointments/{own.pk}/move/").status_code == 403
    assert therapist_login.get("/admin/booking/appointment/add/").status_code == 403


def test_the_front_desk_books_and_manages_schedules_but_not_prices_policy_or_reports(
    two_therapists,
):
    desk, _ = login("Front desk", "desk")
    _, _, appointments = two_therapists
    option = ServiceOption.objects.first()

    assert desk.get("/admin/booking/appointment/add/")["Location"] == "/admin/appointments/book/"
    assert desk.get("/admin/appointments/book/").status_code == 200
    assert desk.get("/admin/booking/timeoff/add/").status_code == 200
    assert desk.get("/admin/calendar/").status_code == 200
    listing = text(desk.get("/admin/booking/appointment/"))
    assert "Mary Own" in listing and "Jim Other" in listing
    assert desk.get("/admin/reports/").status_code == 403
    assert desk.post(f"/admin/booking/service/{option.service.pk}/change/", {}).status_code == 403
    assert desk.get("/admin/booking/bookingpolicy/add/").status_code == 403
    appointment = text(desk.get(f"/admin/booking/appointment/{appointments['james'].pk}/change/"))
    assert "Shoulder surgery" not in appointment  # health answers are for therapists and owner


def test_the_owner_sees_reports_and_reads_the_history_of_changes(two_therapists, clinic_week):
    owner, owner_user = login("Owner", "owner")
    _, _, appointments = two_therapists
    future = AppointmentFactory(
        therapist=clinic_week.therapist, option=clinic_week.option, start=at("2027-03-10 10:00")
    )
    option = clinic_week.option
    form = {
        "name": option.service.name,
        "slug": option.service.slug,
        "summary": option.service.summary,
        "is_active": "on",
        "order": "0",
        "options-TOTAL_FORMS": "1",
        "options-INITIAL_FORMS": "1",
        "options-MIN_NUM_FORMS": "1",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-id": option.pk,
        "options-0-service": option.service.pk,
        "options-0-duration_minutes": "60",
        "options-0-price": "99.00",
        "options-0-is_active": "on",
    }
    assert (
        owner.post(f"/admin/booking/service/{option.service.pk}/change/", form).status_code == 302
    )
    reschedule_appointment(appointment=future, start=at("2027-03-11 10:00"), by=staff_user())

    assert owner.get("/admin/reports/").status_code == 200
    assert option.history.count() == 2
    latest = option.history.first()
    assert (latest.price, latest.history_user) == (99, owner_user)
    history = text(owner.get(f"/admin/booking/appointment/{future.pk}/history/"))
    assert "Changed" in history or "Start" in history
    assert future.history.count() == 2


# The one role helper: shortcut, history, links, codes, exports --------------------------------


def content_type_id(model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


def test_view_on_site_never_leads_staff_to_a_booking_or_gift_certificate_link(two_therapists):
    from booking.models import GiftCertificate, Service
    from tests.factories import GiftCertificateFactory

    owner, _ = login("Owner", "owner")
    _, _, appointments = two_therapists
    appointment = appointments["james"]
    certificate = GiftCertificateFactory()
    service = Service.objects.first()

    to_booking = owner.get(f"/admin/r/{content_type_id(Appointment)}/{appointment.pk}/")
    to_gift = owner.get(f"/admin/r/{content_type_id(GiftCertificate)}/{certificate.pk}/")
    to_service = owner.get(f"/admin/r/{content_type_id(Service)}/{service.pk}/")

    assert to_booking.status_code == to_gift.status_code == 404
    assert appointment.token not in to_booking.content.decode()
    assert to_service.status_code == 302
    assert to_service["Location"] == service.get_absolute_url()


def test_a_therapist_cannot_open_another_therapists_appointment_version(
    therapist_login, two_therapists
):
    _, _, appointments = two_therapists
    other = appointments["james"]
    version = other.history.first()

    page = therapist_login.get(
        f"/admin/booking/appointment/{other.pk}/history/{version.history_id}/"
    )

    assert page.status_code == 403
    assert "Jim Other" not in page.content.decode()


def test_nobody_reverts_an_appointment_through_its_history(two_therapists):
    owner, owner_user = login("Owner", "owner")
    _, _, appointments = two_therapists
    appointment = appointments["james"]
    booked_version = appointment.history.first()
    from booking.services.appointments import cancel_appointment

    cancel_appointment(appointment=appointment, by=owner_user)
    url = f"/admin/booking/appointment/{appointment.pk}/history/{booked_version.history_id}/"

    page = owner.get(url)
    revert = owner.post(url, {"status": "booked"})

    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert revert.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_view_only_staff_cannot_save_through_a_history_version_but_the_owner_can_revert(
    clinic_week,
):
    desk, _ = login("Front desk", "desk")
    owner, _ = login("Owner", "owner")
    service = clinic_week.service
    service.summary = "Changed by the owner"
    service.save()
    first = service.history.last()
    url = f"/admin/booking/service/{service.pk}/history/{first.history_id}/"
    form = {
        "name": service.name,
        "slug": service.slug,
        "summary": "Changed by the desk",
        "is_active": "on",
        "order": "0",
        "options-TOTAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }

    refused = desk.post(url, form)
    service.refresh_from_db()
    summary_after_desk = service.summary
    reverted = owner.post(url, {**form, "summary": first.summary})

    assert refused.status_code == 403
    assert summary_after_desk == "Changed by the owner"
    assert reverted.status_code == 302
    service.refresh_from_db()
    assert service.summary == first.summary


def test_only_the_owner_links_a_login_to_a_therapist(therapist_login, two_therapists):
    maria, james, _ = two_therapists
    owner, _ = login("Owner", "owner")
    desk, desk_user = login("Front desk", "desk")

    own_page = therapist_login.get(f"/admin/booking/therapist/{maria.pk}/change/")
    relink = therapist_login.post(
        f"/admin/booking/therapist/{maria.pk}/change/", {"name": maria.name, "user": ""}
    )
    colleague = therapist_login.get(f"/admin/booking/therapist/{james.pk}/change/")
    desk_page = desk.get(f"/admin/booking/therapist/{james.pk}/change/")
    owner_page = owner.get(f"/admin/booking/therapist/{james.pk}/change/")

    assert own_page.status_code == 200
    assert 'name="user"' not in own_page.content.decode()
    assert relink.status_code == 403
    maria.refresh_from_db()
    assert maria.user is not None
    assert colleague.status_code == 403
    assert 'name="user"' not in desk_page.content.decode()
    assert 'name="user"' in owner_page.content.decode()


def test_a_therapist_sees_only_their_own_record_hours_and_time_off(therapist_login, two_therapists):
    from tests.factories import TimeOffFactory

    maria, james, _ = two_therapists
    TimeOffFactory(
        therapist=james,
        starts_at=at("2027-01-04 09:00"),
        ends_at=at("2027-01-04 17:00"),
        reason="Private surgery",
    )

    therapists = text(therapist_login.get("/admin/booking/therapist/"))
    time_off = text(therapist_login.get("/admin/booking/timeoff/"))
    own = text(therapist_login.get(f"/admin/booking/therapist/{maria.pk}/change/"))

    assert "Maria Alvarez" in therapists and "James Whitaker" not in therapists
    assert "Private surgery" not in time_off + own


def test_gift_settings_are_created_and_changed_by_the_owner_only(therapist_login):
    desk, _ = login("Front desk", "desk")

    assert therapist_login.get("/admin/booking/giftsettings/add/").status_code == 403
    assert desk.get("/admin/booking/giftsettings/add/").status_code == 403
    assert therapist_login.post("/admin/booking/giftsettings/add/", {}).status_code == 403


def test_a_therapist_sees_at_most_the_last_four_characters_of_a_clients_gift_code(
    therapist_login, two_therapists
):
    from booking.services.gift_certificates.sales import (
        mark_gift_certificate_paid,
        purchase_gift_certificate,
    )

    _, _, appointments = two_therapists
    client = appointments["maria"].client
    certificate = purchase_gift_certificate(
        amount=100, buyer_name="Mary Own", buyer_email=client.email, notify=False
    )
    certificate = mark_gift_certificate_paid(certificate=certificate, notify=False)
    desk, _ = login("Front desk", "desk")

    therapist_page = therapist_login.get(f"/admin/booking/client/{client.pk}/change/")
    desk_page = desk.get(f"/admin/booking/client/{client.pk}/change/")

    assert certificate.code[-4:] in text(therapist_page)
    assert certificate.code[:8] not in therapist_page.content.decode()
    assert certificate.display_code[:9] not in therapist_page.content.decode()
    assert certificate.display_code in text(desk_page)


def test_every_cell_of_the_appointments_export_is_safe_to_open_in_a_spreadsheet(clinic_week):
    owner, _ = login("Owner", "owner")
    AppointmentFactory(
        therapist=clinic_week.therapist,
        option=clinic_week.option,
        client=ClientFactory(name='=HYPERLINK("http://evil.example","Click")', phone="+1 717"),
        start=at("2026-03-10 10:00"),
    )

    export = owner.get("/admin/reports/appointments.csv?from=2026-03-10&to=2026-03-10")

    body = export.content.decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert "'+1 717" in body


def test_the_outbox_shows_staff_no_email_body_with_its_private_links(two_therapists):
    from booking.models import OutboundEmail
    from booking.services.emails import enqueue_appointment_emails

    desk, _ = login("Front desk", "desk")
    _, _, appointments = two_therapists
    appointment = appointments["james"]
    enqueue_appointment_emails(appointment, "booked")
    email = OutboundEmail.objects.filter(kind="appointment_booked").get()

    page = desk.get(f"/admin/booking/outboundemail/{email.pk}/change/").content.decode()

    assert appointment.token in email.body_text
    assert appointment.token not in page


def test_roles_are_defined_in_code_and_synced_again_on_migrate():
    from django.core.management import call_command

    from booking.backoffice.roles import sync_roles

    desk = Group.objects.get(name="Front desk")
    desk.permissions.clear()
    sync_roles()
    sync_roles()
    restored = set(desk.permissions.values_list("codename", flat=True))
    call_command("migrate", verbosity=0)

    assert {"add_appointment", "record_outcome_appointment", "view_client"} <= restored
    assert "view_intake" not in restored and "change_service" not in restored
    assert Group.objects.filter(name="Front desk").count() == 1


def test_a_therapist_is_offered_no_booking_and_the_front_desk_is(therapist_login):
    desk, _ = login("Front desk", "desk")

    therapist_index = therapist_login.get("/admin/").content.decode()
    desk_index = desk.get("/admin/").content.decode()

    assert "Book a phone client" not in therapist_index
    assert "Book a phone client" in desk_index
    assert therapist_login.get("/admin/appointments/book/").status_code == 403


@pytest.mark.parametrize(
    ("start", "shown"),
    [
        ("2026-03-07 10:00", "Sat Mar 7, 2026 10:00 AM"),  # before the spring change
        ("2026-03-09 10:00", "Mon Mar 9, 2026 10:00 AM"),  # after it
        ("2026-11-02 15:30", "Mon Nov 2, 2026 3:30 PM"),  # after the autumn change
    ],
)
def test_appointments_and_time_off_read_in_clinic_time_across_daylight_saving(
    clinic_week, start, shown
):
    from tests.factories import TimeOffFactory

    appointment = AppointmentFactory(
        therapist=clinic_week.therapist, option=clinic_week.option, start=at(start)
    )
    off = TimeOffFactory(
        therapist=clinic_week.therapist, starts_at=at(start), ends_at=at(start) + timedelta(hours=2)
    )

    assert str(appointment).endswith(shown)
    assert str(off).startswith(f"Maria Alvarez: {shown} to ")


def test_the_history_of_a_moved_appointment_reads_in_clinic_time(clinic_week):
    owner, owner_user = login("Owner", "owner")
    appointment = AppointmentFactory(
        therapist=clinic_week.therapist, option=clinic_week.option, start=at("2027-03-10 10:00")
    )
    reschedule_appointment(appointment=appointment, start=at("2027-03-11 14:30"), by=owner_user)

    history = text(owner.get(f"/admin/booking/appointment/{appointment.pk}/history/"))

    assert "Thu Mar 11, 2027 2:30 PM" in history
    assert "Wed Mar 10, 2027 10:00 AM" in history
    assert "+00:00" not in history
