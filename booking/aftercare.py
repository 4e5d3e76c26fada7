"""Aftercare advice from the clinic's guide, chosen for where the client's back hurts.

The email shows the advice, never the answers it was chosen from (health answers stay in admin).
"""

from dataclasses import dataclass

from booking.models import Zone


@dataclass(frozen=True)
class Tip:
    title: str
    text: str
    zones: frozenset[str] | None = None  # None: for everyone


TIPS = [
    Tip(
        "Drink water",
        "Drink water after your massage. This helps your body flush out waste products and "
        "reduces soreness.",
    ),
    Tip(
        "Keep moving",
        "Avoid sitting for long periods right after your session. Gentle walking keeps muscles "
        "active and prevents stiffness.",
    ),
    Tip(
        "Your screen and your phone",
        "Keep your screen at eye level and avoid looking down at your phone for long periods. "
        "When you look down at a screen for long hours, the muscles that support your neck, "
        "shoulders and head become tight and overworked.",
        frozenset({Zone.UPPER_BACK, Zone.ALL_OVER}),
    ),
    Tip(
        "Your chair and your sitting",
        "Adjust your chair properly, and stand up and walk often: sitting for long periods "
        "shortens the hip muscles and pulls on the lower back.",
        frozenset({Zone.LOWER_BACK, Zone.LEG}),
    ),
    Tip(
        "Hips and glutes",
        "Tight hips and inactive glutes are often the real cause of the pain. Gentle walking "
        "keeps them active between sessions, and can ease pain that travels down the leg.",
        frozenset({Zone.LOWER_BACK, Zone.LEG}),
    ),
    Tip(
        "Posture",
        "Simple posture changes can prevent pain from returning: keep your screen at eye level, "
        "adjust your chair properly, and notice when your head leans forward.",
        frozenset({Zone.ALL_OVER}),
    ),
]


def tips_for(zones: list[str]) -> list[Tip]:
    """Everyone's tips, then those for the zones given; with no intake, the guide's ergonomics."""
    chosen = [tip for tip in TIPS if tip.zones is None or tip.zones & set(zones)]
    if not zones:
        chosen.append(TIPS[-1])
    return chosen


def tip_key(tip: Tip) -> str:
    """A tip's stable name, as a treatment plan stores its chosen home care."""
    return "-".join(tip.title.lower().replace(" and ", " ").split())


HOME_CARE_CHOICES = [(tip_key(tip), tip.title) for tip in TIPS]


def tips_by_key(keys: list[str]) -> list[Tip]:
    """The tips named by `keys`, in the guide's order (unknown names are skipped)."""
    return [tip for tip in TIPS if tip_key(tip) in set(keys)]
