"""Red flags: the conditions in the clinic's guide that need a doctor before massage.

Defined once, here: the find-my-massage questionnaire and the booking intake both use them.
"""

from dataclasses import dataclass

from django.db import models


class RedFlag(models.TextChoices):
    NUMBNESS = "numbness", "Severe numbness or tingling"
    BLADDER_BOWEL = "bladder_bowel", "Loss of bladder or bowel control"
    ACCIDENT = "accident", "A recent accident or fall"
    WEIGHT_LOSS = "weight_loss", "Unexplained weight loss with pain"
    WORSENING = "worsening", "Rapidly worsening symptoms"


# Loss of bladder or bowel control with back pain can mean nerve compression that needs
# emergency care the same day: no clearance makes it a massage booking.
EMERGENCY_FLAGS = frozenset({RedFlag.BLADDER_BOWEL})


@dataclass(frozen=True)
class Screening:
    flags: tuple[str, ...]
    cleared_by_doctor: bool

    @property
    def is_emergency(self) -> bool:
        return any(flag in EMERGENCY_FLAGS for flag in self.flags)

    @property
    def may_book(self) -> bool:
        """No flags, or flags a doctor has cleared; never an emergency."""
        if self.is_emergency:
            return False
        return not self.flags or self.cleared_by_doctor

    @property
    def needs_attention(self) -> bool:
        """A booking the therapist must look at first: flags that a doctor cleared."""
        return bool(self.flags) and self.may_book

    @property
    def labels(self) -> list[str]:
        return [RedFlag(flag).label for flag in self.flags]


def screen(flags: list[str] | tuple[str, ...], cleared_by_doctor: bool = False) -> Screening:
    known = tuple(flag for flag in RedFlag.values if flag in set(flags))
    return Screening(flags=known, cleared_by_doctor=cleared_by_doctor)
