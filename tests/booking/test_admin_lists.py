"""Every list staff use daily makes the same number of queries as its data grows tenfold."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Intake, OutboundEmail
from booking.services.gift_certificates.ledger import redeem_gift_certificate
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    ServiceOptionFactory,
    TherapistFactory,
    TimeOffFactory,
    at,
)

pytestmark = pytest.mark.django_db

DAILY_LISTS = [
    "/admin/booking/appointment/",
    "/admin/booking/appointment/?q=client",
    "/admin/booking/appointment/?status__exact=booked",
    "/admin/booking/client/",
    "/admin/booking/client/?q=example",
    "/admin/booking/timeoff/",
    "/admin/booking/giftcertificate/",
    "/admin/booking/giftledgerentry/",
    "/admin/booking/outboundemail/",
    "/admin/booking/therapist/",
    "/admin/booking/service/",
]


def add_data(count: int) -> None:
    """`count` of everything: therapists, services, clients, appointments with intakes, time
    off, emails, gift certificates with ledger entries."""
    for n in range(count):
        option = ServiceOptionFactory()
        therapist = TherapistFactory(services=[option.service])
        appointment = AppointmentFactory(
            therapist=therapist,
            option=option,
            client=ClientFactory(),
            start=at("2026-03-10 10:00") + timedelta(days=n),
        )
        Intake.objects.create(
            appointment=appointment, zones=["leg"], duration="days", pressure=2, consent=True
        )
        TimeOffFactory(
            therapist=therapist, starts_at=at("2026-04-01 09:00"), ends_at=at("2026-04-01 12:00")
        )
        OutboundEmail.objects.create(
            kind="appointment_booked", to="x@example.com", subject="s", body_text="b",
            appointment=appointment,
        )  # fmt: skip
        certificate = mark_gift_certificate_paid(
            certificate=purchase_gift_certificate(
                buyer_name="Bea", buyer_email=f"bea{n}@example.com", amount=Decimal("50"),
                notify=False,
            ),
            notify=False,
        )  # fmt: skip
        redeem_gift_certificate(code=certificate.code, amount=Decimal("5"))


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200, path
    return len(captured)


def test_daily_admin_lists_make_the_same_number_of_queries_with_ten_times_the_data(
    admin_client,
):
    add_data(3)
    before = {path: queries(admin_client, path) for path in DAILY_LISTS}

    add_data(27)
    after = {path: queries(admin_client, path) for path in DAILY_LISTS}

    assert after == before
