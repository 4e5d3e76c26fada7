"""Appointments, and the database rule that no therapist is ever booked twice at once."""

import secrets
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from booking.clock import clinic_time
from booking.models.catalog import ServiceOption
from booking.models.clients import Client
from booking.models.staff import Therapist


def new_token() -> str:
    """192 random bits: the only key to a client's booking page."""
    return secrets.token_urlsafe(24)


def _words(name: str) -> str:
    return " ".join(name.split()).casefold()


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """On PostgreSQL, the database itself refuses overlapping sessions (btree_gist). SQLite has no
    EXCLUDE: there the booking service's check runs inside a transaction that SQLite serialises
    (BEGIN IMMEDIATE), and `validate()` falls back to the same overlap query."""

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        from django.db import connections

        if connections[using].vendor == "postgresql":
            return super().validate(model, instance, exclude=exclude, using=using)
        if exclude and {"therapist", "start", "blocked_until", "status"} & set(exclude):
            return
        if instance.status == Appointment.Status.CANCELLED:
            return
        clashes = (
            model._default_manager.using(using)
            .blocking()
            .filter(therapist_id=instance.therapist_id)
            .overlapping(instance.start, instance.blocked_until)
            .exclude(pk=instance.pk)
        )
        if clashes.exists():
            raise ValidationError(
                self.get_violation_error_message(), code=self.violation_error_code
            )


class AppointmentQuerySet(models.QuerySet):
    def blocking(self) -> "AppointmentQuerySet":
        """Appointments that hold a therapist's time (all but cancelled ones)."""
        return self.exclude(status=Appointment.Status.CANCELLED)

    def overlapping(self, start: datetime, end: datetime) -> "AppointmentQuerySet":
        return self.filter(start__lt=end, blocked_until__gt=start)


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="appointments")
    option = models.ForeignKey(
        ServiceOption, on_delete=models.PROTECT, related_name="appointments", verbose_name="service"
    )
    price = models.DecimalField(max_digits=8, decimal_places=2, help_text="At the time of booking.")
    gift_amount = models.DecimalField(
        "paid by gift certificate",
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        help_text="Taken from a gift certificate when booked; the rest is due at the clinic.",
    )
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    blocked_until = models.DateTimeField(help_text="The end plus the cleanup buffer.")
    status = models.CharField(max_length=20, choices=Status, default=Status.BOOKED)
    request_key = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False,
        help_text="The booking form's one-time key: a second submit finds the first booking.",
    )  # fmt: skip
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An online booking never changes a returning client's record: what they typed stays here.
    typed_name = models.CharField(
        "name as booked online", max_length=120, blank=True, editable=False
    )
    typed_email = models.EmailField("email as booked online", blank=True, editable=False)
    typed_phone = models.CharField(
        "phone as booked online", max_length=30, blank=True, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    aftercare_sent_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["token", "request_key"])

    class Meta:
        ordering = ["start"]
        permissions = [("record_outcome_appointment", "Can mark sessions completed or no-show")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(blocked_until__gte=models.F("end")),
                name="appointment_buffer_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(gift_amount__gte=0, gift_amount__lte=models.F("price")),
                name="appointment_gift_within_price",
            ),
            PostgresOnlyExclusionConstraint(
                name="no_double_booking",
                expressions=[
                    (
                        TsTzRange("start", "blocked_until", models.Value("[)")),
                        RangeOperators.OVERLAPS,
                    ),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=~models.Q(status="cancelled"),
                violation_error_message="The therapist is already booked at that time.",
            ),
        ]

    def __str__(self) -> str:
        """In the clinic's time, as staff read it in titles, messages and history."""
        return f"{self.option.service.name} with {self.therapist}, {clinic_time(self.start)}"

    def get_absolute_url(self) -> str:
        return reverse("booking:manage", kwargs={"token": self.token})

    @property
    def service(self):
        return self.option.service

    def has_started(self, now: datetime | None = None) -> bool:
        """A session may be marked completed or no-show, and a booking made for it records a
        visit rather than confirming one, once its start has come."""
        return self.start <= (now or timezone.now())

    @property
    def booked_as_name(self) -> str:
        """The name the client's own booking page shows: what they typed online (never the
        stored record's, which anyone knowing the email address would otherwise read)."""
        return self.typed_name or self.client.name

    @property
    def typed_details_note(self) -> str:
        """For staff: how an online booking was typed, when it differs from the client record it
        was matched to by email (empty otherwise). Case, spacing and phone punctuation aside."""
        if not self.typed_name:
            return ""  # booked by staff (they update the record) or before details were kept
        typed = (self.typed_name, self.typed_phone)
        stored = (self.client.name, self.client.phone)
        if _words(typed[0]) == _words(stored[0]) and _digits(typed[1]) == _digits(stored[1]):
            return ""
        return (
            f"Booked online as {' / '.join(v for v in typed if v)}; "
            f"client record says {' / '.join(v for v in stored if v)}."
        )

    @property
    def intake_state(self) -> str:
        """ "red_flag", "done" or "missing": what the calendar and day sheet show every role that
        sees the appointment (that a flag exists, never which)."""
        intake = getattr(self, "intake", None)  # select_related("intake") keeps this query-free
        if intake is None:
            return "missing"
        return "red_flag" if intake.red_flags else "done"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def due_at_clinic(self) -> Decimal:
        return self.price - self.gift_amount
