"""Writes for the care loop: the pre-visit intake (with its red-flag alert), the therapist's
session record and its addenda, the treatment plan and its email, the review request, and the
access log of health records. Emails carry no health answer and no session note."""

from dataclasses import asdict
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from booking.aftercare import tips_by_key
from booking.exceptions import IntakeAlreadyGiven, NothingToConfirm, RecordLocked
from booking.models import (
    AccessLog,
    Appointment,
    Clinic,
    Intake,
    OutboundEmail,
    SessionAddendum,
    SessionRecord,
    TreatmentPlan,
)
from booking.selectors import current_clinic
from booking.selectors_care import book_next_path, previous_intake
from booking.services.emails import _render, absolute
from booking.services.intake import QUESTIONS, IntakeAnswers, with_consent

REVIEW_EVERY = timedelta(days=365)


# ---------------------------------------------------------------------------------------------
# The pre-visit intake.
# ---------------------------------------------------------------------------------------------
def _has_intake(appointment: Appointment) -> bool:
    return Intake.objects.filter(appointment=appointment).exists()


@transaction.atomic
def save_pre_visit_intake(
    *,
    appointment: Appointment,
    answers: IntakeAnswers,
    pain: int | None,
    activities: list[dict],
    consent_name: str,
    now: datetime | None = None,
) -> Intake:
    """The answers a client gives by their booking's link. Red flags do not refuse anything (the
    booking exists already): they are saved, the clinic is told (that a flag exists, with the
    back-office link, never which) and the appointment shows it."""
    Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
    if _has_intake(appointment):
        raise IntakeAlreadyGiven()
    intake = Intake(
        appointment=appointment,
        kind=Intake.Kind.PRE_VISIT,
        pain=pain,
        activities=activities,
        **asdict(with_consent(answers, name=consent_name, now=now)),
    )
    intake.full_clean(exclude=["appointment"])
    intake.save()
    if intake.red_flags:
        enqueue_red_flag_alert(appointment)
    return intake


@transaction.atomic
def confirm_unchanged_intake(
    *,
    appointment: Appointment,
    consent_name: str,
    pain: int | None = None,
    activities: list[dict] | None = None,
    now: datetime | None = None,
) -> Intake:
    """ "Nothing has changed": the client's last answers again, in one step, with today's consent
    (and today's scores when given; otherwise the last ones stand)."""
    earlier = previous_intake(appointment)
    if earlier is None:
        raise NothingToConfirm()
    answers = IntakeAnswers(**{name: getattr(earlier, name) for name in QUESTIONS})
    return save_pre_visit_intake(
        appointment=appointment,
        answers=answers,
        pain=earlier.pain if pain is None else pain,
        activities=earlier.activities if activities is None else activities,
        consent_name=consent_name,
        now=now,
    )


@transaction.atomic
def add_visit_scores(
    *,
    appointment: Appointment,
    pain: int,
    activities: list[dict],
    consent_name: str,
    now: datetime | None = None,
) -> Intake:
    """Today's scores and the typed consent, for a booking whose intake came with the online
    booking (which asks neither): given once. The consent recorded at booking is a record and
    stays as it was: this signature is kept beside it as a re-confirmation (or is the consent,
    when the booking recorded none)."""
    intake = Intake.objects.select_for_update().get(appointment=appointment)
    if intake.pain is not None:
        raise IntakeAlreadyGiven()
    intake.pain, intake.activities = pain, activities
    signed_at = now or timezone.now()
    if intake.consent:
        intake.consent_reconfirmed_name, intake.consent_reconfirmed_at = consent_name, signed_at
        signed = ["consent_reconfirmed_name", "consent_reconfirmed_at"]
    else:
        intake.consent, intake.consent_name, intake.consented_at = True, consent_name, signed_at
        signed = ["consent", "consent_name", "consented_at"]
    intake.full_clean(exclude=["appointment"])
    intake.save(update_fields=["pain", "activities", *signed])
    return intake


def enqueue_red_flag_alert(appointment: Appointment) -> OutboundEmail | None:
    clinic = current_clinic()
    if not (clinic and clinic.email):
        return None
    context = {
        "clinic": clinic,
        "start": timezone.localtime(appointment.start),
        "therapist": appointment.therapist.name,
        "admin_url": absolute(reverse("admin:booking_appointment_change", args=[appointment.pk])),
    }
    subject, text, html = _render("intake_red_flag", context)
    return OutboundEmail.objects.create(
        kind="clinic_red_flag",
        to=clinic.email,
        subject=subject,
        body_text=text,
        body_html=html,
        appointment=appointment,
        about_start=appointment.start,
    )


# ---------------------------------------------------------------------------------------------
# The session record.
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def save_session_record(
    *, record: SessionRecord, by: User | None, now: datetime | None = None
) -> SessionRecord:
    """Write or change a record, until 24 hours after its session; then RecordLocked."""
    now = now or timezone.now()
    if record.pk is not None:
        stored = SessionRecord.objects.select_for_update().select_related("appointment")
        if stored.get(pk=record.pk).is_locked(now):
            raise RecordLocked()
    elif record.is_locked(now):
        raise RecordLocked()
    if record.written_by_id is None and by is not None:
        record.written_by = by
    record.full_clean()
    record.save()
    log_access(user=by, action=AccessLog.Action.CHANGED, obj=record)
    return record


@transaction.atomic
def add_addendum(
    *, record: SessionRecord, text: str, by: User | None, now: datetime | None = None
) -> SessionAddendum:
    addendum = SessionAddendum(
        record=record, text=text.strip(), written_by=by, created_at=now or timezone.now()
    )
    addendum.full_clean()
    addendum.save()
    log_access(user=by, action=AccessLog.Action.CHANGED, obj=record)
    return addendum


# ---------------------------------------------------------------------------------------------
# The treatment plan.
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def save_treatment_plan(
    *, plan: TreatmentPlan, by: User | None, now: datetime | None = None
) -> TreatmentPlan:
    """Write or change a plan. A new plan follows the activities the client's intake at that
    session named, unless the therapist chose others. A plan written after its session's
    aftercare went out is emailed now (it would have replaced that email)."""
    new = plan.pk is None
    if new and not plan.activities:
        intake = Intake.objects.filter(appointment=plan.appointment_id).first()
        plan.activities = [item["name"] for item in intake.activities] if intake else []
    if plan.written_by_id is None and by is not None:
        plan.written_by = by
    plan.full_clean()
    plan.save()
    log_access(user=by, action=AccessLog.Action.CHANGED, obj=plan)
    appointment = plan.appointment
    sent = Appointment.objects.filter(pk=appointment.pk, aftercare_sent_at__isnull=False)
    if new and sent.exists():
        enqueue_plan_email(appointment, plan=plan)
    return plan


def plan_for(appointment: Appointment) -> TreatmentPlan | None:
    """The plan this completed session belongs to: the client's latest written at it or before."""
    return (
        TreatmentPlan.objects.filter(
            appointment__client_id=appointment.client_id,
            appointment__start__lte=appointment.start,
        )
        .select_related("appointment")
        .order_by("-appointment__start")
        .first()
    )


def enqueue_plan_email(
    appointment: Appointment, *, plan: TreatmentPlan | None = None, clinic: Clinic | None = None
) -> OutboundEmail | None:
    """After a completed session: the client's plan (in place of the generic aftercare), with
    the link to book the next session on the suggested day, and the private progress page.
    None when the client has no plan or no email."""
    plan = plan or plan_for(appointment)
    if plan is None or not appointment.client.email:
        return None
    clinic = clinic or current_clinic()
    day = timezone.localdate(appointment.start) + timedelta(days=plan.interval_days)
    context = {
        "appointment": appointment,
        "plan": plan,
        "clinic": clinic,
        "start": timezone.localtime(appointment.start),
        "tips": tips_by_key(plan.home_care),
        "next_day": day,
        "book_next_url": absolute(book_next_path(appointment, day)),
        "progress_url": absolute(plan.get_progress_url()),
    }
    subject, text, html = _render("treatment_plan", context)
    return OutboundEmail.objects.create(
        kind="treatment_plan",
        to=appointment.client.email,
        subject=subject,
        body_text=text,
        body_html=html,
        appointment=appointment,
        about_start=appointment.start,
    )


def enqueue_review_request(
    appointment: Appointment, *, clinic: Clinic | None = None, now: datetime | None = None
) -> OutboundEmail | None:
    """After a visit, when the owner set a review link: at most one request a year per client."""
    clinic = clinic or current_clinic()
    now = now or timezone.now()
    if not (clinic and clinic.review_url and appointment.client.email):
        return None
    asked = OutboundEmail.objects.filter(
        kind="review_request",
        appointment__client_id=appointment.client_id,
        created_at__gt=now - REVIEW_EVERY,
    )
    if asked.exists():
        return None
    subject, text, html = _render("review_request", {"appointment": appointment, "clinic": clinic})
    return OutboundEmail.objects.create(
        kind="review_request",
        to=appointment.client.email,
        subject=subject,
        body_text=text,
        body_html=html,
        appointment=appointment,
        about_start=appointment.start,
    )


# ---------------------------------------------------------------------------------------------
# The access log.
# ---------------------------------------------------------------------------------------------
def log_access(*, user: User | None, action: str, obj: models.Model) -> AccessLog:
    """One row per read or change of a health record (session record, plan, intake)."""
    appointment_id = (
        obj.pk if isinstance(obj, Appointment) else getattr(obj, "appointment_id", None)
    )
    return AccessLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        what=str(obj._meta.verbose_name),
        object_id=obj.pk,
        appointment_id=appointment_id,
    )
