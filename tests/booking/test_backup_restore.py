"""`make backup` and `make restore`: a backup taken, the data wiped, the backup restored, and
every record is back (pg_dump/pg_restore on PostgreSQL, SQLite's backup API on SQLite)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from booking.models import Appointment, Client, GiftLedgerEntry, Intake, OutboundEmail
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from booking.services.intake import IntakeAnswers

INJURY = "Whiplash from a car accident in 2023"

RECORDS = {
    Appointment: ["pk", "token", "client__email", "start", "price", "gift_amount", "status"],
    Client: ["pk", "name", "email", "phone"],
    Intake: ["pk", "appointment", "previous_injuries", "zones", "pressure"],
    GiftLedgerEntry: ["pk", "certificate__code", "kind", "amount", "balance_after"],
    OutboundEmail: ["pk", "kind", "to", "subject", "body_text", "status"],
}


def everything() -> dict[str, list[str]]:
    return {
        model.__name__: sorted(map(repr, model.objects.values_list(*fields)))
        for model, fields in RECORDS.items()
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_after_a_wipe_brings_every_record_and_photo_back(
    clinic_week, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = settings.MEDIA_ROOT / "therapists" / "maria.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo")
    gift = purchase_gift_certificate(
        amount=Decimal("40"), buyer_name="Gil Giver", buyer_email="gil@example.com"
    )
    gift = mark_gift_certificate_paid(certificate=gift)
    start = (timezone.localtime() + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    book_appointment(
        option=clinic_week.option, therapist=clinic_week.therapist, start=start,
        client=ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100"),
        intake=IntakeAnswers(zones=["upper_back"], duration="weeks", pressure=3, consent=True,
                             previous_injuries=INJURY),
        gift_code=gift.code,
    )  # fmt: skip
    before = everything()
    assert all(before.values()), before  # one of each at least: the test proves something
    backup = tmp_path / "backups" / "clinic.backup"

    call_command("backup_data", str(backup), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    photo.unlink()
    assert not any(everything().values())
    call_command("restore_data", str(backup), yes=True, stdout=io.StringIO())

    assert everything() == before
    assert Intake.objects.get().previous_injuries == INJURY
    assert photo.read_bytes() == b"\xff\xd8 a photo"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_missing_file_and_a_backup_of_the_other_kind(tmp_path):
    other = tmp_path / "other.backup"
    other.write_bytes(b"not a backup of any kind")

    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore_data", str(tmp_path / "nothing"), yes=True)
    with pytest.raises(CommandError, match="is not a"):
        call_command("restore_data", str(other), yes=True)


def test_restore_asks_first_and_refuses_without_an_answer(tmp_path):
    backup = tmp_path / "clinic.backup"
    backup.write_bytes(b"anything")

    with pytest.raises(CommandError, match="confirm with --yes"):
        call_command("restore_data", str(backup))  # no terminal to ask on, no --yes
