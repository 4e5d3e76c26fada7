"""Email as an outbox: rows written in the caller's transaction, sent later by a worker.

A booking therefore never waits on, or fails with, the mail server (invariant 3): if the server
is down the row stays pending and is retried with backoff until it goes out.
"""

import logging
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking.aftercare import tips_for
from booking.calendar import appointment_ics, google_calendar_url
from booking.models import (
    Appointment,
    BookingPolicy,
    Clinic,
    GiftCertificate,
    Intake,
    OutboundEmail,
)
from booking.selectors import current_clinic, gift_not_credited_back

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
CLINIC_EVENTS = {"booked", "rescheduled", "cancelled"}
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour between tries."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(hours=1))


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _render(template: str, context: dict) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split()), text, html


def _context(appointment: Appointment, event: str, clinic, policy: BookingPolicy) -> dict:
    manage_url = absolute(appointment.get_absolute_url())
    return {
        "appointment": appointment,
        "event": event,
        "clinic": clinic,
        "manage_url": manage_url,
        "ics_url": absolute(f"{appointment.get_absolute_url()}calendar.ics"),
        "google_url": google_calendar_url(appointment, clinic, manage_url),
        "policy": policy,
        "site_url": settings.SITE_URL,
        "admin_url": absolute(reverse("admin:booking_appointment_change", args=[appointment.pk])),
        "start": timezone.localtime(appointment.start),
        "end": timezone.localtime(appointment.end),
        "intake_url": _intake_url(appointment, event),
        "gift_kept": gift_not_credited_back(appointment) if event == "cancelled" else 0,
    }


def _intake_url(appointment: Appointment, event: str) -> str:
    """The pre-visit intake's link, in the confirmation and reminder of a booking without one."""
    if event not in {"booked", "rescheduled", "reminder", "intake_request"}:
        return ""
    if hasattr(appointment, "intake") and not (
        event in {"reminder", "intake_request"} and appointment.intake.needs_scores
    ):
        return ""  # answered (an online booking's intake: today's scores asked in the reminder)
    return absolute(reverse("booking:intake", kwargs={"token": appointment.token}))


def enqueue_appointment_emails(
    appointment: Appointment,
    event: str,
    *,
    notify_client: bool = True,
    notify_clinic: bool = True,
    clinic: Clinic | None = None,
    policy: BookingPolicy | None = None,
) -> list[OutboundEmail]:
    """The client's email for `event` (booked, rescheduled, cancelled, reminder, aftercare) and,
    for changes, a notice to the clinic. Rendered now, so the worker only sends. Callers that
    queue many pass the clinic and policy they read once."""
    if not notify_client and not notify_clinic:
        return []
    clinic = clinic or current_clinic()
    context = _context(appointment, event, clinic, policy or BookingPolicy.current())
    emails = []
    if notify_client and appointment.client.email:  # a phone-only client gets no email
        if event == "aftercare":
            context["tips"] = tips_for(_zones(appointment))
            context["book_next_url"] = absolute(
                f"/book/?service={appointment.option.service.slug}"
                f"&minutes={appointment.option.duration_minutes}"
                f"&therapist={appointment.therapist.slug}"
            )
        subject, text, html = _render(f"appointment_{event}", context)
        emails.append(
            OutboundEmail(
                kind=f"appointment_{event}",
                to=appointment.client.email,
                subject=subject,
                body_text=text,
                body_html=html,
                ics=""
                if event == "aftercare"
                else appointment_ics(appointment, clinic, context["manage_url"]),
                appointment=appointment,
                about_start=appointment.start,
            )
        )
    if notify_clinic and event in CLINIC_EVENTS and clinic and clinic.email:
        subject, text, html = _render("clinic_notice", context)
        emails.append(
            OutboundEmail(
                kind=f"clinic_{event}",
                to=clinic.email,
                subject=subject,
                body_text=text,
                body_html=html,
                appointment=appointment,
                about_start=appointment.start,
            )
        )
    return OutboundEmail.objects.bulk_create(emails)


def _zones(appointment: Appointment) -> list[str]:
    try:
        return appointment.intake.zones
    except Intake.DoesNotExist:
        return []


def enqueue_due_aftercare(now: datetime | None = None) -> int:
    """One aftercare email per completed session, the policy's delay after it ended, once.
    Sessions that ended over a week ago are left alone (no surprise emails after an import)."""
    from booking.services.care import enqueue_plan_email, enqueue_review_request

    now = now or timezone.now()
    policy, clinic = BookingPolicy.current(), current_clinic()
    delay = policy.aftercare_delay
    due = Appointment.objects.filter(
        status=Appointment.Status.COMPLETED,
        aftercare_sent_at__isnull=True,
        end__lte=now - delay,
        end__gt=now - delay - timedelta(days=7),
    ).select_related("client", "therapist", "option__service", "intake")
    queued = 0
    for appointment in due:
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk,
                status=Appointment.Status.COMPLETED,
                aftercare_sent_at__isnull=True,
            ).update(aftercare_sent_at=now)
            if claimed:
                # The client's treatment plan, when there is one, replaces the generic aftercare.
                if enqueue_plan_email(appointment, clinic=clinic) is None:
                    enqueue_appointment_emails(
                        appointment, "aftercare", clinic=clinic, policy=policy
                    )
                enqueue_review_request(appointment, clinic=clinic, now=now)
                queued += 1
    return queued


def enqueue_due_reminders(now: datetime | None = None) -> int:
    """Queue one reminder per booked appointment entering the reminder window, exactly once.
    A booking made inside the window needs none: its confirmation is the reminder."""
    now = now or timezone.now()
    policy, clinic = BookingPolicy.current(), current_clinic()
    window = policy.reminder_before
    due = Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        reminder_sent_at__isnull=True,
        start__gt=now,
        start__lte=now + window,
        created_at__lte=F("start") - window,
    ).select_related("client", "therapist", "option__service", "intake")
    queued = 0
    for appointment in due:
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, reminder_sent_at__isnull=True, start=appointment.start
            ).update(reminder_sent_at=now)
            if claimed:
                enqueue_appointment_emails(appointment, "reminder", clinic=clinic, policy=policy)
                queued += 1
    return queued


# The pre-visit intake is asked for again this long before a session that still has none.
INTAKE_REQUEST_BEFORE = timedelta(days=2)


def enqueue_due_intake_requests(now: datetime | None = None) -> int:
    """Ask once, two days before, for the intake a booking still lacks (a phone booking) or the
    scores it still needs (an online one). A booking made inside those two days needs no request:
    its confirmation carried the link. Once per booking and start: a moved session is asked again.
    """
    now = now or timezone.now()
    policy, clinic = BookingPolicy.current(), current_clinic()
    due = (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            start__gt=now,
            start__lte=now + INTAKE_REQUEST_BEFORE,
            created_at__lte=F("start") - INTAKE_REQUEST_BEFORE,
        )
        .exclude(client__email="")
        .exclude(intake__pain__isnull=False)
        .select_related("client", "therapist", "option__service", "intake")
    )
    queued = 0
    for appointment in due:
        with transaction.atomic():
            Appointment.objects.select_for_update().filter(pk=appointment.pk).exists()
            asked = OutboundEmail.objects.filter(
                appointment=appointment,
                kind="appointment_intake_request",
                about_start=appointment.start,
            )
            if not asked.exists():
                enqueue_appointment_emails(
                    appointment, "intake_request", notify_clinic=False, clinic=clinic, policy=policy
                )
                queued += 1
    return queued


def _still_wanted(email: OutboundEmail) -> bool:
    """A reminder or intake request for a booking since cancelled or moved must not go out at
    its old time; an intake request answered meanwhile need not go out at all."""
    if email.kind not in {"appointment_reminder", "appointment_intake_request"}:
        return True
    appointment = email.appointment
    answered = (
        email.kind == "appointment_intake_request"
        and appointment is not None
        and not _intake_url(appointment, "intake_request")
    )
    return (
        not answered
        and appointment is not None
        and appointment.status == Appointment.Status.BOOKED
        and appointment.start == email.about_start
    )


def sender(clinic: Clinic | None) -> tuple[str, list[str]]:
    """Who an email is from and where replies go: "Clinic Name <clinic address>" from Clinic
    details, replies to that address too. With EMAIL_FROM_CLINIC off (a mail service that sends
    only from an address it verified), From keeps DEFAULT_FROM_EMAIL's address under the clinic's
    name and replies still reach the clinic. DEFAULT_FROM_EMAIL alone when no clinic address."""
    if not (clinic and clinic.email):
        return settings.DEFAULT_FROM_EMAIL, []
    address = clinic.email
    if not settings.EMAIL_FROM_CLINIC:
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return formataddr((clinic.name, address)), [clinic.email]


def send_pending_emails(now: datetime | None = None, limit: int = 50) -> int:
    """Send what is due; each row is claimed first, so two workers never send one email twice.
    The sender is read from Clinic details at sending time: an edit applies to what is queued."""
    now = now or timezone.now()
    sent = 0
    from_email: tuple[str, list[str]] | None = None
    for email in OutboundEmail.objects.due().select_related("appointment")[:limit]:
        claimed = OutboundEmail.objects.filter(
            pk=email.pk, status=OutboundEmail.Status.PENDING, attempts=email.attempts
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        if not claimed:
            continue
        email.attempts += 1
        if not _still_wanted(email):
            email.status = OutboundEmail.Status.SKIPPED
            email.save(update_fields=["status"])
            continue
        try:
            from_email = from_email or sender(current_clinic())
            _deliver(email, *from_email)
        except Exception as error:  # noqa: BLE001 - any failure of the mail server is retried
            email.last_error = f"{type(error).__name__}: {error}"[:500]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            email.next_attempt_at = now + backoff(email.attempts)
            email.save(update_fields=["last_error", "status", "next_attempt_at"])
            logger.warning("Email %s not sent (attempt %s): %s", email.pk, email.attempts, error)
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["status", "sent_at", "last_error"])
            sent += 1
    return sent


def _deliver(email: OutboundEmail, from_email: str, reply_to: list[str]) -> None:
    message = EmailMultiAlternatives(
        email.subject, email.body_text, from_email, to=[email.to], reply_to=reply_to
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    if email.ics:
        message.attach("appointment.ics", email.ics, "text/calendar")
    message.send()


GIFT_EMAILS = {"gift_certificate", "gift_receipt", "gift_order"}


def enqueue_gift_email(certificate: GiftCertificate, kind: str) -> OutboundEmail:
    """The certificate itself (to the recipient, or the buyer to print), the buyer's receipt, or
    the buyer's order note for paying at the clinic. Written in the caller's transaction."""
    if kind not in GIFT_EMAILS:
        raise ValueError(f"No gift email called {kind!r}")
    context = {
        "certificate": certificate,
        "clinic": current_clinic(),
        "print_url": absolute(certificate.get_absolute_url()),
        "balance_url": absolute(reverse("booking:gift_balance")),
        "book_url": absolute(reverse("booking:book")),
        "site_url": settings.SITE_URL,
        "expires": timezone.localtime(certificate.expires_at) if certificate.expires_at else None,
    }
    subject, text, html = _render(kind, context)
    to = certificate.delivery_email if kind == "gift_certificate" else certificate.buyer_email
    return OutboundEmail.objects.create(
        kind=kind, to=to, subject=subject, body_text=text, body_html=html
    )


def enqueue_gift_order_notice(certificate: GiftCertificate) -> OutboundEmail | None:
    """Tells the clinic a gift certificate was ordered to be paid at the desk: who ordered what,
    for whom, and its page in the back office. The template gets these fields only, never the
    certificate: a notice carries no code and no link to the printable certificate."""
    clinic = current_clinic()
    if not (clinic and clinic.email):
        return None
    context = {
        "clinic": clinic,
        "buyer_name": certificate.buyer_name,
        "buyer_email": certificate.buyer_email,
        "amount": certificate.amount,
        "description": certificate.description,
        "recipient_name": certificate.recipient_name,
        "for_buyer_to_print": certificate.for_buyer_to_print,
        "deliver_on": certificate.deliver_on,
        "ordered_at": timezone.localtime(certificate.created_at),
        "admin_url": absolute(
            reverse("admin:booking_giftcertificate_change", args=[certificate.pk])
        ),
    }
    subject, text, html = _render("clinic_gift_order", context)
    return OutboundEmail.objects.create(
        kind="clinic_gift_order", to=clinic.email, subject=subject, body_text=text, body_html=html
    )
