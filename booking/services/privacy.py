"""A client's personal data: health records kept only as long as the owner says, one client's
data exported whole, and one client erased while the books keep their appointments."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from booking.aftercare import tips_by_key
from booking.exceptions import BookingError
from booking.models import (
    Appointment,
    BookingPolicy,
    Client,
    GiftCertificate,
    Intake,
    OutboundEmail,
    SessionRecord,
    TreatmentPlan,
)
from booking.models.care import MOVEMENTS
from booking.models.intake import NOT_ON_RECORD

ERASED_NAME = "Erased client"
# A client needs an email or a phone (a database rule); with no email nothing is ever sent.
ERASED_PHONE = "(erased)"


class HasUpcomingBookings(BookingError):
    message = "This client has upcoming bookings: cancel them first, then erase the client."


@dataclass(frozen=True)
class Purged:
    """What one purge deleted, for the worker's log."""

    intakes: int = 0
    session_records: int = 0
    treatment_plans: int = 0

    def __bool__(self) -> bool:
        return any((self.intakes, self.session_records, self.treatment_plans))

    def __str__(self) -> str:
        return (
            f"Deleted {self.intakes} expired intake(s), {self.session_records} session "
            f"record(s) and {self.treatment_plans} treatment plan(s)."
        )


@transaction.atomic
def purge_expired_health_records(now: datetime | None = None) -> Purged:
    """Delete the health data of sessions that ended longer ago than the owner keeps it
    (BookingPolicy.health_retention_years): intake answers, session records with their addenda,
    treatment plans, and the history rows of records and plans (intakes keep none). The
    appointment stays, for the books. Running it twice deletes nothing more."""
    cutoff = BookingPolicy.current().health_expiry(now or timezone.now())
    ended = Appointment.objects.filter(end__lt=cutoff)
    intakes, _ = Intake.objects.filter(appointment__in=ended).delete()
    records, plans = erase_care_records(ended)
    return Purged(intakes=intakes, session_records=records, treatment_plans=plans)


def _certificates(client: Client) -> QuerySet[GiftCertificate]:
    """Certificates the client bought or received (matched by email, as the client page does)."""
    if not client.email:
        return GiftCertificate.objects.none()
    return GiftCertificate.objects.filter(
        Q(buyer_email__iexact=client.email) | Q(recipient_email__iexact=client.email)
    )


def _emails(client: Client) -> QuerySet[OutboundEmail]:
    """Emails to the client, and the clinic's notices about their appointments (which carry
    their name, email and phone)."""
    about = Q(appointment__client=client)
    if client.email:
        about |= Q(to__iexact=client.email)
    return OutboundEmail.objects.filter(about)


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _consent(intake: Intake) -> dict[str, str | None]:
    """Who consented and when; for a consent given before both were recorded, "Not on record"
    rather than a blank that reads as no consent. Nothing, when there was no consent."""
    if not intake.consent:
        return {"consent_name": None, "consented_at": None}
    return {
        "consent_name": intake.consent_name or NOT_ON_RECORD,
        "consented_at": _when(intake.consented_at) or NOT_ON_RECORD,
    }


def _intake(appointment: Appointment) -> dict[str, Any] | None:
    intake = getattr(appointment, "intake", None)
    if intake is None:
        return None
    return {
        "red_flags": intake.red_flag_labels,
        "cleared_by_doctor": intake.cleared_by_doctor,
        "zones": intake.zone_labels,
        "pain_duration": intake.duration_label,
        "habits": intake.habit_labels,
        "previous_injuries": intake.previous_injuries,
        "pressure": intake.pressure,
        "goals": intake.goals,
        "consent": intake.consent,
        **_consent(intake),
        "consent_reconfirmed_name": intake.consent_reconfirmed_name or None,
        "consent_reconfirmed_at": _when(intake.consent_reconfirmed_at),
        "answered_at": _when(intake.created_at),
    }


def _session_record(appointment: Appointment) -> dict[str, Any] | None:
    record = getattr(appointment, "session_record", None)
    if record is None:
        return None
    return {
        "shoulder_height": record.get_shoulder_height_display(),
        "head_forward": record.get_head_position_display(),
        "hip_level": record.get_hip_level_display(),
        "range_of_motion": {
            label: getattr(record, f"get_{name}_display")()
            for name, label in MOVEMENTS.items()
            if getattr(record, name)
        },
        "areas_treated": record.area_labels,
        "techniques": record.technique_labels,
        "pressure": record.pressure,
        "notes": record.notes,
        "addenda": [
            {"text": a.text, "at": _when(a.created_at)}
            for a in sorted(record.addenda.all(), key=lambda a: a.created_at)
        ],
        "written_at": _when(record.created_at),
    }


def _treatment_plan(appointment: Appointment) -> dict[str, Any] | None:
    plan = getattr(appointment, "treatment_plan", None)
    if plan is None:
        return None
    return {
        "focus": plan.focus,
        "sessions_planned": plan.sessions_planned,
        "days_between_sessions": plan.interval_days,
        "home_care": [tip.title for tip in tips_by_key(plan.home_care)],
        "own_advice": plan.own_advice,
        "activities": plan.activities,
        "written_at": _when(plan.created_at),
    }


def export_client_data(client: Client) -> dict[str, Any]:
    """Everything the site holds about one client, for the owner to hand over: their record,
    appointments with intake answers, session records and plans, gift certificates bought or
    received (with their ledger) and the emails sent to them. Email bodies are left out: they
    carry the private links that staff never see."""
    appointments = (
        client.appointments.select_related(
            "therapist", "option__service", "intake", "session_record", "treatment_plan"
        )
        .prefetch_related("session_record__addenda")
        .order_by("start")
    )
    certificates = _certificates(client).prefetch_related("ledger").order_by("created_at")
    email = client.email.lower()
    return {
        "client": {
            "name": client.name,
            "email": client.email,
            "phone": client.phone,
            "staff_notes": client.notes,
            "created_at": _when(client.created_at),
        },
        "appointments": [
            {
                "service": appointment.option.service.name,
                "minutes": appointment.option.duration_minutes,
                "therapist": appointment.therapist.name,
                "start": _when(appointment.start),
                "end": _when(appointment.end),
                "status": appointment.get_status_display(),
                "price": str(appointment.price),
                "paid_by_gift_certificate": str(appointment.gift_amount),
                "booked_at": _when(appointment.created_at),
                "cancelled_at": _when(appointment.cancelled_at),
                "cancel_reason": appointment.cancel_reason,
                "intake": _intake(appointment),
                "session_record": _session_record(appointment),
                "treatment_plan": _treatment_plan(appointment),
            }
            for appointment in appointments
        ],
        "gift_certificates": [
            {
                "code": certificate.display_code,
                "bought": certificate.buyer_email.lower() == email,
                "received": certificate.recipient_email.lower() == email,
                "amount": str(certificate.amount),
                "balance": str(certificate.balance),
                "state": certificate.state_label,
                "buyer_name": certificate.buyer_name,
                "buyer_email": certificate.buyer_email,
                "recipient_name": certificate.recipient_name,
                "recipient_email": certificate.recipient_email,
                "message": certificate.message,
                "bought_at": _when(certificate.created_at),
                "ledger": [
                    {
                        "kind": entry.get_kind_display(),
                        "amount": str(entry.amount),
                        "balance_after": str(entry.balance_after),
                        "at": _when(entry.created_at),
                    }
                    for entry in sorted(certificate.ledger.all(), key=lambda e: e.pk)
                ],
            }
            for certificate in certificates
        ],
        "emails": [
            {
                "subject": sent.subject,
                "to": sent.to,
                "status": sent.get_status_display(),
                "written_at": _when(sent.created_at),
                "sent_at": _when(sent.sent_at),
            }
            for sent in _emails(client).order_by("created_at", "pk")
            if sent.to.lower() == email
        ],
    }


def erase_care_records(appointments: QuerySet[Appointment]) -> tuple[int, int]:
    """Session records (with addenda), treatment plans and their history rows: health data.
    Returns how many records and plans were deleted."""
    pks = appointments.values("pk")
    _, records = SessionRecord.objects.filter(appointment__in=pks).delete()
    _, plans = TreatmentPlan.objects.filter(appointment__in=pks).delete()
    # After the rows: deleting them writes a last history row each.
    SessionRecord.history.filter(appointment_id__in=pks).delete()
    TreatmentPlan.history.filter(appointment_id__in=pks).delete()
    return (
        records.get(SessionRecord._meta.label, 0),
        plans.get(TreatmentPlan._meta.label, 0),
    )


@transaction.atomic
def erase_client(*, client: Client, by: User | None = None) -> Client:
    """Erase a client's personal data, keeping their appointments (and gift ledgers) for the
    books: the record keeps no name, email, phone or notes; intake answers, emails to or about
    them and the history rows that held their details are deleted; cancel reasons and the details
    typed when booking online are cleared (in history too); certificates they bought or received
    lose names, emails and message.
    Refused while they have upcoming bookings, which would otherwise stay on the calendar with
    nobody to contact."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    appointments = Appointment.objects.filter(client=client)
    if appointments.filter(status=Appointment.Status.BOOKED, start__gt=timezone.now()).exists():
        raise HasUpcomingBookings
    Intake.objects.filter(appointment__client=client).delete()
    erase_care_records(appointments)
    _emails(client).delete()
    # What they typed when booking online, and why they cancelled, are theirs too.
    personal = {"cancel_reason": "", "typed_name": "", "typed_email": "", "typed_phone": ""}
    appointments.update(**personal)
    Appointment.history.filter(client_id=client.pk).update(**personal)
    if client.email:
        for field, blank in [
            ("buyer_email", {"buyer_name": ERASED_NAME, "buyer_email": ""}),
            ("recipient_email", {"recipient_name": ERASED_NAME, "recipient_email": ""}),
        ]:
            match = {f"{field}__iexact": client.email}
            pks = list(GiftCertificate.objects.filter(**match).values_list("pk", flat=True))
            GiftCertificate.objects.filter(pk__in=pks).update(**blank, message="")
            GiftCertificate.history.filter(id__in=pks).update(**blank, message="")
    client.history.all().delete()
    client.name, client.email, client.phone, client.notes = ERASED_NAME, "", ERASED_PHONE, ""
    client.save()
    # Its one history row now: who erased it and when (the request's user, or `by`).
    client.history.update(
        history_change_reason="Personal data erased", **({"history_user": by} if by else {})
    )
    return client
