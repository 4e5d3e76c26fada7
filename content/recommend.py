"""Find my massage: the questionnaire's answers, and the decision table that turns them into
services, ranked, each with the back-pain guide's reason.

The table is the whole rule: each row names what it looks for in the answers, the service it
points to, how strongly, and why, in the guide's own words. A service's rank is the sum of the
weights of its rows that match; its reasons are those rows' reasons, in table order, once each.
Red flags are not here: they stop the questionnaire before it recommends anything, and they are
defined once, in booking.screening, where the booking intake uses them too.

The table names services by slug, and the owner renames and retires services in admin: the
suggestions are matched to what the clinic offers by `offered()`, which follows a renamed slug
through the service's history and falls back to the assessment-first suggestion, and a system
check (content/checks.py) tells staff which slug to update. The table stays in code, not in
admin: its rows are rules over the answers with the guide's reasons, which an owner cannot
safely edit as data, while a slug is the one thing that drifts, and that is what is checked.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet

# Where it hurts and how long: the same questions, and answers, as the booking intake asks.
from booking.models import PainDuration as Duration
from booking.models import Service
from booking.models import Zone as Area
from booking.selectors import bookable_services

logger = logging.getLogger(__name__)


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


def mapped_slugs(table: list[Row] = TABLE) -> list[str]:
    """Every service slug the table and its default name, in table order, once each."""
    return list(dict.fromkeys([*(row.service for row in table), DEFAULT.service]))


def renamed_slugs(slugs: Iterable[str]) -> dict[str, str]:
    """{old slug: current slug} for services that once had one of these slugs (their history
    remembers it) and have another now. One query."""
    ids = Service.history.filter(slug__in=list(slugs)).values_list("id", "slug")
    old_by_id = dict(ids)
    current = Service.objects.filter(pk__in=old_by_id).values_list("pk", "slug")
    return {old_by_id[pk]: slug for pk, slug in current if slug != old_by_id[pk]}


_warned: set[str] = set()


def _tell_staff(slug: str, renamed_to: str | None) -> None:
    """Once per slug and process, and naming only the service: the log says which line of the
    table to mend, never anything about the client who answered."""
    if slug in _warned:
        return
    _warned.add(slug)
    if renamed_to:
        logger.warning(
            "Find my massage names the service %r, now %r: suggesting it under its new slug. "
            "Update the slug in content/recommend.py.",
            slug,
            renamed_to,
        )
    else:
        logger.warning(
            "Find my massage names the service %r, which the clinic does not offer: its "
            "suggestions are left out (the assessment-first one given if none is left). Update "
            "content/recommend.py or offer the service again.",
            slug,
        )


def offered(
    recommendations: list[Recommendation], services: QuerySet[Service] | None = None
) -> list[tuple[Service, Recommendation]]:
    """The recommendations the clinic can book, with their services, best first. A slug the
    owner renamed is followed to the service's new slug; one retired or deleted is left out,
    staff are told in the log, and when nothing is left the client gets the assessment-first
    suggestion, as when no row matches, rather than none."""
    services = bookable_services() if services is None else services
    wanted = [r.service for r in recommendations]
    found = services.in_bulk(wanted, field_name="slug")
    renamed: dict[str, str] = {}
    if missing := [slug for slug in wanted if slug not in found]:
        renamed = renamed_slugs(missing)
        if renamed:
            found |= services.in_bulk(list(renamed.values()), field_name="slug")
    results: list[tuple[Service, Recommendation]] = []
    for recommendation in recommendations:
        slug = renamed.get(recommendation.service, recommendation.service)
        service = found.get(slug)
        if service is None or slug != recommendation.service:
            _tell_staff(recommendation.service, slug if service is not None else None)
        if service is not None and all(service.pk != s.pk for s, _ in results):
            results.append((service, recommendation))
    if not results and recommendations != [DEFAULT]:
        return offered([DEFAULT], services)
    return results
