"""The intake that travels with a booking: checked by the same screening rules everywhere."""

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from django.utils import timezone

from booking.exceptions import NeedsDoctor
from booking.models import Appointment, Intake
from booking.screening import screen

# The questions the client answers (the same in the booking flow and before a visit).
QUESTIONS = ("red_flags", "cleared_by_doctor", "zones", "duration", "habits",
             "previous_injuries", "pressure", "goals")  # fmt: skip


@dataclass(frozen=True)
class IntakeAnswers:
    zones: list[str]
    pressure: int
    duration: str = ""  # optional: "" when the client did not say
    red_flags: list[str] = field(default_factory=list)
    cleared_by_doctor: bool = False
    habits: list[str] = field(default_factory=list)
    previous_injuries: str = ""
    goals: str = ""
    consent: bool = False
    consent_name: str = ""
    consented_at: datetime | None = None


def with_consent(
    answers: IntakeAnswers, *, name: str, now: datetime | None = None
) -> IntakeAnswers:
    """Consent is an act, never a default: the answers with who agreed (the name they typed) and
    when (confirming the online booking under the statement, or signing the pre-visit intake)."""
    return replace(answers, consent=True, consent_name=name, consented_at=now or timezone.now())


def check_screening(answers: IntakeAnswers) -> None:
    """Red flags stop an online booking unless a doctor cleared them; an emergency always does."""
    screening = screen(answers.red_flags, answers.cleared_by_doctor)
    if not screening.may_book:
        raise NeedsDoctor(screening)


def save_intake(appointment: Appointment, answers: IntakeAnswers) -> Intake:
    intake = Intake(appointment=appointment, **asdict(answers))
    intake.full_clean(exclude=["appointment"])
    intake.save()
    return intake
