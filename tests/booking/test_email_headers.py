"""Every kind of email, read back from a real SMTP server: from the clinic, replies to the clinic,
the client greeted by first name, phone links that dial, times that say their zone once."""

import re
from decimal import Decimal

import pytest

from booking.models import Clinic, OutboundEmail
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from booking.services.clients import ClientDetails
from booking.services.emails import enqueue_appointment_emails, send_pending_emails
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from booking.templatetags.email_format import greeting
from tests.factories import ClientFactory, at

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 08:00")
CLINIC = "hello@focusedcare.example"
FROM = f"Focused Care Therapeutic Massage <{CLINIC}>"
ANN = ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100")
EVERY_KIND = {
    "appointment_booked",
    "appointment_rescheduled",
    "appointment_reminder",
    "appointment_aftercare",
    "appointment_cancelled",
    "clinic_booked",
    "clinic_rescheduled",
    "clinic_cancelled",
    "gift_order",
    "clinic_gift_order",
    "gift_receipt",
    "gift_certificate",
}
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2} [AP]M\b")


@pytest.fixture
def every_kind(clinic_week, smtp_server):
    """One email of every kind the site writes, sent through the SMTP server, by kind."""
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        therapist=clinic_week.therapist,
        now=NOW,
    )
    reschedule_appointment(appointment=appointment, start=at("2026-03-12 14:00"), now=NOW)
    appointment.refresh_from_db()
    enqueue_appointment_emails(appointment, "reminder")
    enqueue_appointment_emails(appointment, "aftercare")
    send_pending_emails()  # before the cancellation, which makes the reminder unwanted
    cancel_appointment(appointment=appointment, reason="Away", now=NOW)
    certificate = purchase_gift_certificate(
        buyer_name="Bea Buyer",
        buyer_email="bea@example.com",
        recipient_name="Rita Recipient",
        recipient_email="rita@example.com",
        amount=Decimal("100.00"),
    )
    mark_gift_certificate_paid(certificate=certificate)
    kinds = dict(OutboundEmail.objects.values_list("subject", "kind"))
    assert set(kinds.values()) == EVERY_KIND
    send_pending_emails()
    assert len(smtp_server.messages) == len(EVERY_KIND)
    return {kinds[message["Subject"].strip()]: message for message in smtp_server.messages}


def bodies(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_every_email_is_from_the_clinic_and_replies_go_to_the_clinic(every_kind):
    for kind, message in every_kind.items():
        assert message["From"] == FROM, kind
        assert message["Reply-To"] == CLINIC, kind


def test_every_email_to_a_person_greets_them_by_first_name_in_text_and_html(every_kind):
    expected = {kind: "Hello Ann," for kind in EVERY_KIND if kind.startswith("appointment_")}
    expected |= {"gift_order": "Hello Bea,", "gift_receipt": "Hello Bea,"}
    expected |= {"gift_certificate": "Hello Rita,"}
    for kind, hello in expected.items():
        for body in bodies(every_kind[kind]):
            assert hello in body, kind
            assert "Ann Client," not in body and "Bea Buyer," not in body, kind


def test_every_phone_link_in_every_email_dials_in_international_form(every_kind):
    for kind, message in every_kind.items():
        html = bodies(message)[1]
        links = re.findall(r'href="(tel:[^"]*)"', html)
        assert links, kind  # the footer at least
        for link in links:
            assert re.fullmatch(r"tel:\+1\d{10}", link), (kind, link)
        assert 'href="tel:+17175550142"' in html, kind
    assert 'href="tel:+17175550100"' in bodies(every_kind["clinic_booked"])[1]


def test_every_email_that_gives_a_time_of_day_says_its_zone_once(every_kind):
    timed = set()
    for kind, message in every_kind.items():
        for body in bodies(message):
            if TIME_OF_DAY.search(body):
                timed.add(kind)
                assert body.count("Eastern Time") == 1, (kind, body)
    dateless = {"appointment_aftercare", "gift_order", "gift_receipt", "gift_certificate"}
    assert timed == EVERY_KIND - dateless
    assert "10:00 AM to 11:00 AM Eastern Time" in bodies(every_kind["appointment_booked"])[0]


def test_the_clinic_notice_says_how_a_returning_client_typed_their_details(
    clinic_week, smtp_server
):
    ClientFactory(name="Ann Client", email="ann@example.com", phone="717-555-0100")
    typed = ClientDetails(name="Annie Someone", email="ann@example.com", phone="555-0199")
    book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=typed,
        therapist=clinic_week.therapist,
        now=NOW,
    )
    send_pending_emails()

    (notice,) = smtp_server.to(CLINIC)
    note = "Booked online as Annie Someone / 555-0199; client record says Ann Client"
    for body in bodies(notice):
        assert note in body


def test_with_a_fixed_sender_the_email_is_from_that_address_under_the_clinics_name(
    settings, clinic_week, smtp_server
):
    settings.EMAIL_FROM_CLINIC = False
    settings.DEFAULT_FROM_EMAIL = "Mailer <bookings@mail.example.net>"
    book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        therapist=clinic_week.therapist,
        now=NOW,
    )
    send_pending_emails()

    (message,) = smtp_server.to("ann@example.com")
    assert message["From"] == "Focused Care Therapeutic Massage <bookings@mail.example.net>"
    assert message["Reply-To"] == CLINIC


def test_without_clinic_details_the_email_is_from_the_default_sender(
    settings, clinic_week, smtp_server
):
    settings.DEFAULT_FROM_EMAIL = "Bookings <bookings@mail.example.net>"
    book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        therapist=clinic_week.therapist,
        now=NOW,
    )
    Clinic.objects.all().delete()
    send_pending_emails()

    (message,) = smtp_server.to("ann@example.com")
    assert message["From"] == "Bookings <bookings@mail.example.net>"
    assert message["Reply-To"] is None


def test_a_clinic_name_with_punctuation_still_makes_a_well_formed_sender(clinic_week, smtp_server):
    Clinic.objects.update(name="Focused Care, Therapeutic Massage")
    book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        therapist=clinic_week.therapist,
        now=NOW,
    )
    send_pending_emails()

    (message,) = smtp_server.to("ann@example.com")
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Focused Care, Therapeutic Massage", CLINIC)


@pytest.mark.parametrize(
    ("name", "hello"),
    [
        ("Ann Client", "Hello Ann,"),
        ("  Ann   Marie  Client ", "Hello Ann,"),
        ("Cher", "Hello Cher,"),
        ("", "Hello,"),
        ("   ", "Hello,"),
        ("Dr. Ann Client", "Hello Dr. Client,"),
        ("J. Smith", "Hello J. Smith,"),
    ],
)
def test_the_greeting_uses_the_first_name_and_reads_well_with_one_word_or_none(name, hello):
    assert greeting(name) == hello
