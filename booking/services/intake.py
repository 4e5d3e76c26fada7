"""The intake that travels with a booking: checked by the same screening rules everywhere."""

from dataclasses import asdict, dataclass, field

from booking.exceptions import NeedsDoctor
from booking.models import Appointment, Intake
from booking.screening import screen


@dataclass(frozen=True)
class IntakeAnswers:
    zones: list[str]
    duration: str
    pressure: int
    consent: bool
    red_flags: list[str] = field(default_factory=list)
    cleared_by_doctor: bool = False
    habits: list[str] = field(default_factory=list)
    previous_injuries: str = ""
    goals: str = ""


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
