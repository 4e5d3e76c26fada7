"""When therapists work and when nobody does: weekly hours, extra shifts, time off, closures.

Read them together through `booking.working_time`, which turns them into instants once.
"""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from booking.clock import clinic_time
from booking.models.clinic import OpeningHours
from booking.models.staff import Therapist

Weekday = OpeningHours.Weekday


class WorkingHours(models.Model):
    """One interval of a therapist's week; several per day make breaks and split shifts."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    starts = models.TimeField()
    ends = models.TimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["therapist", "weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="working_hours_end_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.therapist}: {self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"
        )


class ExtraShift(models.Model):
    """A one-off shift on a date, on top of the weekly hours (covering for a colleague, a late
    evening). A clinic closure still wins: nobody works on a closed day."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="extra_shifts")
    day = models.DateField()
    starts = models.TimeField(help_text="Clinic time.")
    ends = models.TimeField(help_text="Clinic time.")
    note = models.CharField(max_length=200, blank=True, help_text="For example: covering for Ben.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["day", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="extra_shift_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        """On the clinic's wall clock, as staff read it in titles, messages and history."""
        return (
            f"{self.therapist}: extra shift {self.day:%a %b %-d, %Y} "
            f"{self.starts:%-I:%M %p} to {self.ends:%-I:%M %p}"
        )


class TimeOff(models.Model):
    """A therapist unavailable from one moment to another (holiday, course, appointment)."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="time_off_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        """In the clinic's time, as staff read it in titles, messages and history."""
        same_day = timezone.localdate(self.starts_at) == timezone.localdate(self.ends_at)
        ending = clinic_time(self.ends_at, with_date=not same_day)
        return f"{self.therapist}: {clinic_time(self.starts_at)} to {ending}"


class ClinicClosure(models.Model):
    """Whole days the clinic is closed for everyone (holidays), first to last day inclusive."""

    name = models.CharField(max_length=100, help_text="For example: Thanksgiving.")
    first_day = models.DateField()
    last_day = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="closure_last_day_not_before_first",
                violation_error_message="The last day cannot be before the first.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day:%b %d, %Y}-{self.last_day:%b %d, %Y})"
