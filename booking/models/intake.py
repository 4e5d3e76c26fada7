"""The client's assessment answers, saved with the appointment and shown only to staff allowed
to read health information. They never appear in emails, logs or URLs."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from booking.clock import clinic_time
from booking.screening import RedFlag, screen

# Intakes saved under the old consent checkbox (and those whose booking consent the scores page
# once wrote over) have consent without a name or a time: said so, never left blank or guessed.
NOT_ON_RECORD = "Not on record"


class Zone(models.TextChoices):
    UPPER_BACK = "upper_back", "Neck and upper back"
    LOWER_BACK = "lower_back", "Lower back and hips"
    LEG = "leg", "Pain travelling down the leg"
    ALL_OVER = "all_over", "Tension all over"


class PainDuration(models.TextChoices):
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    MONTHS_OR_YEARS = "months_years", "Months or years"


class Habit(models.TextChoices):
    SITTING = "sitting", "Sitting for long periods"
    DRIVING = "driving", "Driving"
    DESK_PHONE = "desk_phone", "Desk and phone work"
    LIFTING = "lifting", "Lifting"


class Intake(models.Model):
    class Kind(models.TextChoices):
        BOOKING = "booking", "With the online booking"
        PRE_VISIT = "pre_visit", "Before the visit, by its link"

    appointment = models.OneToOneField(
        "booking.Appointment", on_delete=models.CASCADE, related_name="intake"
    )
    red_flags = models.JSONField(default=list, blank=True)
    cleared_by_doctor = models.BooleanField(default=False)
    zones = models.JSONField(default=list)
    duration = models.CharField(max_length=20, choices=PainDuration, blank=True)
    habits = models.JSONField(default=list, blank=True)
    previous_injuries = models.TextField(blank=True, max_length=1000)
    pressure = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 is very light, 5 is very firm.",
    )
    goals = models.TextField("what the client wants from the session", blank=True, max_length=1000)
    consent = models.BooleanField(default=False)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.BOOKING)
    pain = models.PositiveSmallIntegerField(
        "pain now",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="0 no pain, 10 the worst imaginable (numeric pain rating scale).",
    )
    activities = models.JSONField(
        default=list,
        blank=True,
        help_text="Everyday activities and how well the client does each, 0 (cannot) to 10 "
        "(as before the pain): the Patient-Specific Functional Scale.",
    )
    # The first consent recorded (confirming the online booking, or signing the pre-visit intake)
    # is never replaced: a client who signs again when adding today's scores is recorded apart.
    consent_name = models.CharField("consent typed as", max_length=120, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    consent_reconfirmed_name = models.CharField(
        "consent re-confirmed, typed as", max_length=120, blank=True
    )
    consent_reconfirmed_at = models.DateTimeField("consent re-confirmed at", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "intake"

    def __str__(self) -> str:
        return f"Intake for appointment {self.appointment_id}"

    @property
    def screening(self):
        return screen(self.red_flags, self.cleared_by_doctor)

    @property
    def red_flag_labels(self) -> list[str]:
        return [RedFlag(flag).label for flag in self.red_flags if flag in RedFlag.values]

    @property
    def zone_labels(self) -> list[str]:
        return [Zone(zone).label for zone in self.zones if zone in Zone.values]

    @property
    def duration_label(self) -> str:
        """How long it has hurt, or "Not said": the question is optional."""
        return self.get_duration_display() if self.duration else "Not said"

    @property
    def consent_label(self) -> str:
        """Who consented and when, as staff read it: "Given by Ann Client, Tue Mar 10, 2026
        10:00 AM", or "Given (name and time not on record)" for an intake from before both were
        recorded, or "Not given"."""
        if not self.consent:
            return "Not given"
        name = self.consent_name
        when = clinic_time(self.consented_at) if self.consented_at else ""
        if name and when:
            return f"Given by {name}, {when}"
        if name:
            return f"Given by {name} (time not on record)"
        if when:
            return f"Given {when} (name not on record)"
        return "Given (name and time not on record)"

    @property
    def reconfirmation_label(self) -> str:
        """The consent signed again with today's scores (after the online booking), if it was."""
        if self.consent_reconfirmed_at is None:
            return "Not signed again"
        return f"{self.consent_reconfirmed_name}, {clinic_time(self.consent_reconfirmed_at)}"

    @property
    def needs_scores(self) -> bool:
        """Answered with the online booking, which asks no pain or activity scores."""
        return self.pain is None

    @property
    def has_red_flag(self) -> bool:
        return bool(self.red_flags)

    @property
    def activity_scores(self) -> dict[str, int]:
        return {item["name"]: item["score"] for item in self.activities}

    @property
    def habit_labels(self) -> list[str]:
        return [Habit(habit).label for habit in self.habits if habit in Habit.values]
