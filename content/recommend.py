"""Find my massage: the questionnaire's answers, and the decision table that turns them into
services, ranked, each with the back-pain guide's reason.

The table is the whole rule: each row names what it looks for in the answers, the service it
points to, how strongly, and why, in the guide's own words. A service's rank is the sum of the
weights of its rows that match; its reasons are those rows' reasons, in table order, once each.
Red flags are not here: they stop the questionnaire before it recommends anything, and they are
defined once, in booking.screening, where the booking intake uses them too.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

# Where it hurts and how long: the same questions, and answers, as the booking intake asks.
from booking.models import PainDuration as Duration
from booking.models import Zone as Area


class Feeling(models.TextChoices):
    DEEP_STIFFNESS = "deep_stiffness", "Deep stiffness"
    KNOTS_HEADACHES = "knots_headaches", "Knots and tension headaches"
    BURNING_SHOULDER_BLADES = "burning_shoulder_blades", "Burning between the shoulder blades"
    SHARP_STANDING_BENDING = "sharp_standing_bending", "Sharp pain on standing or bending"
    TINGLING_LEG = "tingling_leg", "Tingling down the leg"


class Trigger(models.TextChoices):
    DESK_PHONE = "desk_phone", "Desk and phone"
    DRIVING = "driving", "Driving"
    LIFTING = "lifting", "Lifting"
    SITTING = "sitting", "Sitting"
    STRESS = "stress", "Stress"


@dataclass(frozen=True)
class Answers:
    """What the client ticked: where it hurts, what it feels like, how long, what makes it worse."""

    areas: frozenset[str] = frozenset()
    feelings: frozenset[str] = frozenset()
    duration: str = ""
    triggers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Row:
    """One line of the decision table: when the answers match, `weight` points for `service`."""

    when: Callable[[Answers], bool]
    service: str
    weight: int
    reason: str


@dataclass(frozen=True)
class Recommendation:
    service: str
    score: int
    reasons: tuple[str, ...]


DEEP_TISSUE = "deep-tissue-myoskeletal-alignment"
HOT_STONE = "hot-stone-therapy"
CUPPING = "cupping-therapy"
SCIATICA = "sciatica-piriformis-release"

# Reasons shared by more than one row are written once, so a client sees them once.
SCIATICA_REASON = (
    "Pain that travels down the leg is often nerve pain like sciatica: tight muscles pressing on "
    "the sciatic nerve, the piriformis among them. Targeted massage to the hips and glutes can "
    "reduce pressure on the nerve and relieve it."
)
TABLE: list[Row] = [
    # For chronic deep stiffness: deep tissue and myoskeletal alignment.
    Row(
        when=lambda a: (
            Feeling.DEEP_STIFFNESS in a.feelings and a.duration == Duration.MONTHS_OR_YEARS
        ),
        service=DEEP_TISSUE,
        weight=3,
        reason="Long-standing deep stiffness: deep tissue massage and myoskeletal alignment "
        "are best for long term pain, old injuries, and posture problems. They work on deeper "
        "muscle layers to break down long held tension and restore proper movement.",
    ),
    Row(
        when=lambda a: a.duration == Duration.MONTHS_OR_YEARS,
        service=DEEP_TISSUE,
        weight=1,
        reason="Pain for months or years: these techniques are ideal for people with years of "
        "back pain, old sports injuries, poor posture, and limited mobility.",
    ),
    Row(
        when=lambda a: Trigger.DESK_PHONE in a.triggers,
        service=DEEP_TISSUE,
        weight=2,
        reason="Desk work and phone use: looking down at a screen for long hours makes the upper "
        "back tight and overworked. The work corrects posture so the pain does not return again "
        "and again.",
    ),
    Row(
        when=lambda a: Feeling.BURNING_SHOULDER_BLADES in a.feelings,
        service=DEEP_TISSUE,
        weight=2,
        reason="Burning pain between the shoulder blades comes from tight, overworked trapezius "
        "and rhomboid muscles: the work releases deep muscle tension and corrects posture.",
    ),
    Row(
        when=lambda a: Area.UPPER_BACK in a.areas,
        service=DEEP_TISSUE,
        weight=1,
        reason="Neck and upper back, the tech neck zone: massage here focuses on releasing deep "
        "muscle tension and correcting posture.",
    ),
    # For high stress and muscle knots: hot stone.
    Row(
        when=lambda a: Trigger.STRESS in a.triggers,
        service=HOT_STONE,
        weight=3,
        reason="Stress held in the upper back and shoulders: hot stone therapy is very helpful "
        "for it. The heat relaxes the muscles and soft tissue, allowing deeper work without "
        "excessive pain.",
    ),
    Row(
        when=lambda a: Feeling.KNOTS_HEADACHES in a.feelings,
        service=HOT_STONE,
        weight=3,
        reason="Knots and tension headaches: hot stone therapy is best for constant muscle "
        "tightness, stress related pain, and tension headaches.",
    ),
    Row(
        when=lambda a: Area.ALL_OVER in a.areas,
        service=HOT_STONE,
        weight=2,
        reason="Tension all over: the heat of the stones relaxes the muscles and soft tissue, "
        "for constant muscle tightness.",
    ),
    # For stubborn tightness and poor circulation: cupping.
    Row(
        when=lambda a: (
            Feeling.DEEP_STIFFNESS in a.feelings
            and a.duration in (Duration.WEEKS, Duration.MONTHS_OR_YEARS)
        ),
        service=CUPPING,
        weight=2,
        reason="Stubborn stiffness: cupping lifts the tissue instead of pressing it. This "
        "improves blood flow and helps release tight areas around the spine, for chronic "
        "stiffness and restricted movement.",
    ),
    # For nerve pain like sciatica: piriformis work, with the hips and glutes.
    Row(
        when=lambda a: Area.LEG in a.areas,
        service=SCIATICA,
        weight=4,
        reason=SCIATICA_REASON,
    ),
    Row(
        when=lambda a: Feeling.TINGLING_LEG in a.feelings,
        service=SCIATICA,
        weight=3,
        reason=SCIATICA_REASON,
    ),
    Row(
        when=lambda a: (
            Feeling.SHARP_STANDING_BENDING in a.feelings
            or (Area.LOWER_BACK in a.areas and Trigger.LIFTING in a.triggers)
        ),
        service=SCIATICA,
        weight=2,
        reason="Sharp pain when standing up, or pain when bending or lifting, belongs to the lower "
        "back, the lifting and sitting zone: a good therapist treats the hips and glutes there "
        "too, to fix the real cause of the pain.",
    ),
    Row(
        when=lambda a: (
            Area.LOWER_BACK in a.areas and bool({Trigger.SITTING, Trigger.DRIVING} & a.triggers)
        ),
        service=SCIATICA,
        weight=2,
        reason="Sitting for long periods, at a desk or behind the wheel, shortens the hip "
        "muscles and pulls on the lower back.",
    ),
    Row(
        when=lambda a: Area.LOWER_BACK in a.areas,
        service=SCIATICA,
        weight=1,
        reason="Lower back and hips: many people believe their lower back is weak, but in many "
        "cases the real problem is tight hips and inactive glute muscles.",
    ),
]

DEFAULT = Recommendation(
    service=DEEP_TISSUE,
    score=0,
    reasons=(
        "Every session starts with assessment: your therapist looks at your posture and movement "
        "and treats the muscle that is causing the problem, not just the painful spot.",
    ),
)


def recommend(answers: Answers, table: list[Row] = TABLE) -> list[Recommendation]:
    """Services whose rows match, highest summed weight first (ties in table order), each with
    its rows' reasons, once each; deep tissue with the assessment reason when no row matches."""
    scores: dict[str, int] = {}
    reasons: dict[str, list[str]] = {}
    for row in table:
        if not row.when(answers):
            continue
        scores[row.service] = scores.get(row.service, 0) + row.weight
        service_reasons = reasons.setdefault(row.service, [])
        if row.reason not in service_reasons:
            service_reasons.append(row.reason)
    if not scores:
        return [DEFAULT]
    ranked = sorted(scores, key=lambda service: -scores[service])  # stable: ties keep table order
    return [Recommendation(service, scores[service], tuple(reasons[service])) for service in ranked]
