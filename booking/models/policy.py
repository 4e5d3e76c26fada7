"""The owner's booking rules, edited in admin."""

from datetime import datetime, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from focusedcare.cache import CATALOG, remembered


class BookingPolicy(models.Model):
    """One row. Read through `current()`, which falls back to the defaults when none is saved."""

    min_notice_hours = models.PositiveSmallIntegerField(
        "minimum notice (hours)",
        default=12,
        help_text="How soon before a session it can be booked.",
    )
    horizon_days = models.PositiveSmallIntegerField(
        "booking horizon (days)",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="How far ahead clients can book.",
    )
    step_minutes = models.PositiveSmallIntegerField(
        "start-time step (minutes)",
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text="Sessions start on multiples of this, from midnight.",
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        "cleanup buffer (minutes)",
        default=15,
        validators=[MaxValueValidator(240)],
        help_text="Kept free after each session; a service may set its own.",
    )
    change_window_hours = models.PositiveSmallIntegerField(
        "cancel and reschedule until (hours before)",
        default=24,
        help_text="Inside this window clients must call the clinic.",
    )
    reminder_hours = models.PositiveSmallIntegerField(
        "reminder (hours before)", default=24, validators=[MinValueValidator(1)]
    )
    aftercare_delay_hours = models.PositiveSmallIntegerField(
        "aftercare email (hours after the session)",
        default=2,
        validators=[MaxValueValidator(168)],
    )
    health_retention_years = models.PositiveSmallIntegerField(
        "keep health records for (years)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Intake answers, session records and treatment plans are deleted this long "
        "after the session. Check your state's rules for client records before shortening it.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "booking policy"
        verbose_name_plural = "booking policy"
        permissions = [("view_reports", "Can see the owner's reports and exports")]

    def __str__(self) -> str:
        return "Booking policy"

    @classmethod
    def current(cls) -> "BookingPolicy":
        """Read once per catalog change and shared between requests: never change it."""
        return remembered("booking_policy", cls._read, CATALOG)

    @classmethod
    def _read(cls) -> "BookingPolicy":
        return cls.objects.order_by("pk").first() or cls()

    @property
    def min_notice(self) -> timedelta:
        return timedelta(hours=self.min_notice_hours)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.step_minutes)

    @property
    def change_window(self) -> timedelta:
        return timedelta(hours=self.change_window_hours)

    @property
    def reminder_before(self) -> timedelta:
        return timedelta(hours=self.reminder_hours)

    @property
    def aftercare_delay(self) -> timedelta:
        return timedelta(hours=self.aftercare_delay_hours)

    def health_expiry(self, now: datetime) -> datetime:
        """Sessions that ended before this moment have had their health records kept long
        enough."""
        try:
            return now.replace(year=now.year - self.health_retention_years)
        except ValueError:  # 29 February, in a year without one
            return now.replace(year=now.year - self.health_retention_years, day=28)
