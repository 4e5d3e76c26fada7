"""Booking, moving and cancelling appointments: the one path for the public site and the admin."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.availability import Availability, buffer_for
from booking.exceptions import (
    AlreadyBooked,
    BookingError,
    NotActive,
    NotBookable,
    OutsideChangeWindow,
    SlotUnavailable,
)
from booking.models import Appointment, BookingPolicy, ServiceOption, Therapist
from booking.selectors import booked_by_form
from booking.services.clients import ClientDetails, upsert_client
from booking.services.emails import enqueue_appointment_emails
from booking.services.gift_certificates.ledger import credit_back_for, redeem_for_appointment
from booking.services.intake import IntakeAnswers, check_screening, save_intake


def _lock_therapists(option: ServiceOption, therapist: Therapist | None) -> None:
    """Serialise bookings per therapist on PostgreSQL (a no-op on SQLite, where BEGIN IMMEDIATE
    already serialises writers). The exclusion constraint stays the guarantee."""
    candidates = Therapist.objects.filter(services=option.service_id)
    if therapist is not None:
        candidates = Therapist.objects.filter(pk=therapist.pk)
    list(candidates.order_by("pk").select_for_update().values_list("pk", flat=True))


def _check_not_booked_yet(request_key: str | None) -> None:
    """A repeated `request_key` (the same form sent twice) finds the first booking."""
    if request_key and (existing := booked_by_form(request_key)):
        raise AlreadyBooked(existing)


def _save_without_overlap(appointment: Appointment, start: datetime) -> None:
    try:
        appointment.full_clean(exclude=["client", "option", "booked_by"])
        with transaction.atomic():
            appointment.save()
    except (ValidationError, IntegrityError) as error:
        raise SlotUnavailable(start) from error


@transaction.atomic
def book_appointment(
    *,
    option: ServiceOption,
    start: datetime,
    client: ClientDetails,
    therapist: Therapist | None = None,
    by: User | None = None,
    request_key: str | None = None,
    notify_client: bool = True,
    notify_clinic: bool = True,
    intake: IntakeAnswers | None = None,
    gift_code: str = "",
    gift_shown: Decimal | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book one session, never double-booking a therapist (buffer included).

    A `gift_code` pays what it can of the price in the same transaction: a certificate that
    cannot be used books nothing, and a booking refused redeems nothing. With `gift_shown` (what
    the client's review said it pays), a balance changed since books nothing (GiftAmountChanged).

    `by` is who books: a client online (None) is held to the minimum notice and the horizon;
    staff are not. A start already past records a visit (a walk-in entered late): the client
    gets no confirmation for it.

    With no therapist, the free one with the fewest bookings that day gets it. A repeated
    `request_key` (the same form sent twice) raises AlreadyBooked instead of booking again, also
    when both arrive at once: checked again once the lock is held (the twin that waited on it
    then sees the first booking, not a taken slot), and the unique key backs that up.

    Online (`by` None), a returning client's record is not changed: what they typed is kept on
    the booking (typed_name, typed_email, typed_phone) for staff to compare. Staff bookings
    update the record and keep no typed copy.
    An intake with uncleared red flags, or an emergency one, raises NeedsDoctor: nothing is booked.
    """
    start = start.astimezone(UTC)  # real minutes, also across a daylight-saving change
    moment = now or timezone.now()
    if intake is not None:
        check_screening(intake)
    _check_not_booked_yet(request_key)  # cheap, before waiting on the lock
    if not option.is_active or not option.service.is_active:
        raise NotBookable()
    if (
        therapist is not None
        and not Therapist.objects.active()
        .filter(pk=therapist.pk, services=option.service_id)
        .exists()
    ):
        raise NotBookable(f"{therapist.name} does not offer {option.service.name}.")
    _lock_therapists(option, therapist)
    _check_not_booked_yet(request_key)  # a twin that held the lock may have booked meanwhile

    day = timezone.localdate(start)
    availability = Availability(
        option=option,
        first_day=day,
        last_day=day,
        therapist=therapist,
        now=now,
        enforce_policy=not is_staff(by),
        fresh=True,  # the database under the lock decides, never a cached copy
    )
    chosen = availability.fairest_therapist_at(start)
    if chosen is None:
        raise SlotUnavailable(start, availability.why_not(start))

    end = start + timedelta(minutes=option.duration_minutes)
    typed = {} if is_staff(by) else _typed(client)
    appointment = Appointment(
        client=upsert_client(client, update=is_staff(by)),
        therapist=chosen,
        option=option,
        price=option.price,
        start=start,
        end=end,
        blocked_until=end + buffer_for(option, availability.policy),
        booked_by=by,
        request_key=request_key or None,
        created_at=moment,
        **typed,
    )
    try:
        _save_without_overlap(appointment, start)
    except SlotUnavailable:
        _check_not_booked_yet(request_key)  # the unique key refused it: a twin committed first
        raise
    if intake is not None:
        save_intake(appointment, intake)
    if gift_code:
        appointment.gift_amount = redeem_for_appointment(
            code=gift_code, appointment=appointment, by=by, now=now, shown=gift_shown
        )
    enqueue_appointment_emails(
        appointment,
        "booked",
        notify_client=notify_client and not appointment.has_started(moment),
        notify_clinic=notify_clinic,
    )
    return appointment


def _typed(client: ClientDetails) -> dict[str, str]:
    return {
        "typed_name": client.name.strip(),
        "typed_email": client.email.strip(),
        "typed_phone": client.phone.strip(),
    }


def change_deadline(start: datetime) -> datetime:
    """The last moment a client may move or cancel online a session starting at `start`: the
    policy's change window before it."""
    return start - BookingPolicy.current().change_window


def may_change_online(start: datetime, now: datetime | None = None) -> bool:
    """Whether a session starting at `start` is still outside the change window (the review
    step says so before booking; `can_change` holds a booking to it)."""
    return (now or timezone.now()) <= change_deadline(start)


def can_change(appointment: Appointment, now: datetime | None = None) -> bool:
    """Clients may move or cancel online until the policy's window before the start."""
    return appointment.is_active and may_change_online(appointment.start, now)


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("option__service")
        .get(pk=appointment.pk)
    )


def is_staff(by: User | None) -> bool:
    """Staff act for the clinic: the client's notice, horizon and change window do not bind
    them; working hours, time off and other bookings do."""
    return by is not None and by.is_staff


def _check_changeable(appointment: Appointment, by: User | None, now: datetime | None) -> None:
    if not appointment.is_active:
        raise NotActive()
    if not is_staff(by) and not can_change(appointment, now):
        raise OutsideChangeWindow()


@transaction.atomic
def reschedule_appointment(
    *,
    appointment: Appointment,
    start: datetime,
    therapist: Therapist | None = None,
    by: User | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booking to a new time, with the same therapist or `therapist` (who must offer
    the service), under the same rules as booking."""
    start = start.astimezone(UTC)
    appointment = _locked(appointment)
    _check_changeable(appointment, by, now)
    target = therapist or appointment.therapist
    if (
        target.pk != appointment.therapist_id
        and not Therapist.objects.active()
        .filter(pk=target.pk, services=appointment.option.service_id)
        .exists()
    ):
        raise NotBookable(f"{target.name} does not offer {appointment.option.service.name}.")
    _lock_therapists(appointment.option, target)
    day = timezone.localdate(start)
    availability = Availability(
        option=appointment.option,
        first_day=day,
        last_day=day,
        therapist=target,
        now=now,
        ignore=appointment,
        enforce_policy=not is_staff(by),
        fresh=True,  # the database under the lock decides, never a cached copy
    )
    if target not in availability.free_therapists_at(start):
        raise SlotUnavailable(start, availability.why_not(start, target))
    buffer = appointment.blocked_until - appointment.end
    appointment.therapist = target
    appointment.start = start
    appointment.end = start + timedelta(minutes=appointment.option.duration_minutes)
    appointment.blocked_until = appointment.end + buffer
    appointment.reminder_sent_at = None
    _save_without_overlap(appointment, start)
    enqueue_appointment_emails(appointment, "rescheduled")
    return appointment


@transaction.atomic
def cancel_appointment(
    *,
    appointment: Appointment,
    reason: str = "",
    by: User | None = None,
    now: datetime | None = None,
) -> Appointment:
    appointment = _locked(appointment)
    _check_changeable(appointment, by, now)
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = now or timezone.now()
    appointment.cancel_reason = reason.strip()[:500]
    appointment.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    credit_back_for(appointment=appointment, by=by, now=now)
    enqueue_appointment_emails(appointment, "cancelled")
    return appointment


def _set_outcome(
    appointment: Appointment, status: str, by: User | None, now: datetime | None
) -> Appointment:
    appointment = _locked(appointment)
    if not appointment.is_active:
        raise NotActive()
    now = now or timezone.now()
    if not appointment.has_started(now):
        raise BookingError("A session can be marked only once it has started.")
    appointment.status = status
    appointment.status_changed_by = by
    appointment.status_changed_at = now
    appointment.save(update_fields=["status", "status_changed_by", "status_changed_at"])
    return appointment


@transaction.atomic
def complete_appointment(
    *, appointment: Appointment, by: User | None = None, now: datetime | None = None
) -> Appointment:
    """The session took place: aftercare follows it (see enqueue_due_aftercare)."""
    return _set_outcome(appointment, Appointment.Status.COMPLETED, by, now)


@transaction.atomic
def mark_no_show(
    *, appointment: Appointment, by: User | None = None, now: datetime | None = None
) -> Appointment:
    return _set_outcome(appointment, Appointment.Status.NO_SHOW, by, now)
