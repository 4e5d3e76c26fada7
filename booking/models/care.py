"""The care loop: the therapist's session record (with its dated addenda), the treatment plan
that follows it, and the log of who read or changed either, or a client's intake answers.

Health data: read only by the treating therapist and the owner (booking.backoffice.roles),
never in an email, a log or a URL (the plan's page is found by its token, and shows scores only).
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

LOCK_AFTER = timedelta(hours=24)


class Side(models.TextChoices):
    LEVEL = "level", "Level"
    LEFT_HIGHER = "left_higher", "Left higher"
    RIGHT_HIGHER = "right_higher", "Right higher"


class HeadPosition(models.TextChoices):
    NEUTRAL = "neutral", "Neutral"
    SLIGHTLY_FORWARD = "slightly_forward", "Slightly forward"
    FORWARD = "forward", "Forward"


class Motion(models.TextChoices):
    FULL = "full", "Full"
    LIMITED = "limited", "Limited"
    PAINFUL = "painful", "Limited and painful"


# Range-of-motion movements the guide names ("bend, twist, or lift your arms"), one field each.
MOVEMENTS = {
    "rom_forward_bend": "Bending forward",
    "rom_backward_bend": "Bending backward",
    "rom_side_bend": "Bending to the side",
    "rom_twist": "Twisting",
    "rom_neck_turn": "Turning the head",
    "rom_arm_raise": "Lifting the arms",
}

AREAS = [
    ("neck", "Neck"),
    ("upper_back", "Upper back and shoulders"),
    ("mid_back", "Middle back"),
    ("lower_back", "Lower back"),
    ("hips_glutes", "Hips and glutes"),
    ("legs", "Legs"),
]

TECHNIQUES = [
    ("deep_tissue", "Deep tissue"),
    ("myoskeletal", "Myoskeletal alignment"),
    ("trigger_point", "Trigger point release"),
    ("hot_stone", "Hot stone"),
    ("cupping", "Cupping"),
    ("stretching", "Assisted stretching"),
    ("swedish", "Swedish"),
]


def _motion_field(label: str) -> models.CharField:
    return models.CharField(label, max_length=10, choices=Motion, blank=True)


class SessionRecord(models.Model):
    """What the therapist found and did. Editable until 24 hours after the session ends; after
    that only dated addenda are added (`booking.services.care`)."""

    appointment = models.OneToOneField(
        "booking.Appointment", on_delete=models.CASCADE, related_name="session_record"
    )
    shoulder_height = models.CharField(max_length=15, choices=Side, blank=True)
    head_position = models.CharField(
        "head forward", max_length=20, choices=HeadPosition, blank=True
    )
    hip_level = models.CharField(max_length=15, choices=Side, blank=True)
    rom_forward_bend = _motion_field(MOVEMENTS["rom_forward_bend"])
    rom_backward_bend = _motion_field(MOVEMENTS["rom_backward_bend"])
    rom_side_bend = _motion_field(MOVEMENTS["rom_side_bend"])
    rom_twist = _motion_field(MOVEMENTS["rom_twist"])
    rom_neck_turn = _motion_field(MOVEMENTS["rom_neck_turn"])
    rom_arm_raise = _motion_field(MOVEMENTS["rom_arm_raise"])
    areas_treated = models.JSONField(default=list, blank=True)
    techniques = models.JSONField(default=list, blank=True)
    pressure = models.PositiveSmallIntegerField(
        "pressure used",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 is very light, 5 is very firm: the intake's scale.",
    )
    notes = models.TextField(blank=True, max_length=5000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "session record"

    def __str__(self) -> str:
        return f"Session record: {self.appointment}"

    @property
    def locks_at(self) -> datetime:
        return self.appointment.end + LOCK_AFTER

    def is_locked(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.locks_at

    @property
    def area_labels(self) -> list[str]:
        names = dict(AREAS)
        return [names[a] for a in self.areas_treated if a in names]

    @property
    def technique_labels(self) -> list[str]:
        names = dict(TECHNIQUES)
        return [names[t] for t in self.techniques if t in names]


class SessionAddendum(models.Model):
    """A dated note added to a locked record: never edited, never deleted."""

    record = models.ForeignKey(SessionRecord, on_delete=models.CASCADE, related_name="addenda")
    text = models.TextField(max_length=5000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "addendum"
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum of {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


def new_plan_token() -> str:
    return secrets.token_urlsafe(24)


class TreatmentPlan(models.Model):
    """The plan a session ends with: its focus, how many sessions how often, home care from the
    guide plus the therapist's words, and the activities whose scores show progress."""

    appointment = models.OneToOneField(
        "booking.Appointment",
        on_delete=models.CASCADE,
        related_name="treatment_plan",
        help_text="The session this plan was written at.",
    )
    token = models.CharField(max_length=64, unique=True, default=new_plan_token, editable=False)
    focus = models.CharField(max_length=300)
    sessions_planned = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="Including the session this plan was written at.",
    )
    interval_days = models.PositiveSmallIntegerField(
        "days between sessions", validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    home_care = models.JSONField(
        default=list, blank=True, help_text="Advice chosen from the guide's aftercare."
    )
    own_advice = models.TextField("your own advice", blank=True, max_length=2000)
    activities = models.JSONField(
        default=list,
        blank=True,
        help_text="Up to three everyday activities followed at each visit (functional scale).",
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords(excluded_fields=["token"])

    class Meta:
        verbose_name = "treatment plan"

    def __str__(self) -> str:
        return f"Treatment plan: {self.appointment}"

    def get_progress_url(self) -> str:
        return reverse("booking:plan", kwargs={"token": self.token})


class AccessLog(models.Model):
    """Who read or changed a session record or plan, or read a client's intake answers."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        CHANGED = "changed", "Changed"
        HISTORY = "history", "Viewed the history"
        INTAKE_READ = "intake_read", "Read the intake answers"
        EXPORTED = "exported", "Exported"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action)
    what = models.CharField(max_length=40, help_text="The kind of record read.")
    object_id = models.PositiveBigIntegerField()
    appointment = models.ForeignKey(
        "booking.Appointment", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "health record access"
        verbose_name_plural = "health record accesses"

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display().lower()} {self.what} {self.object_id}"
