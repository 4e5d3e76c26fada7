"""The find-my-massage decision table: every row, and how matching rows rank the services."""

from dataclasses import dataclass

import pytest

from booking.backoffice.management.commands.seed_demo import SERVICES
from content.recommend import (
    CUPPING,
    DEEP_TISSUE,
    DEFAULT,
    HOT_STONE,
    SCIATICA,
    SCIATICA_REASON,
    TABLE,
    Answers,
    Area,
    Duration,
    Feeling,
    Row,
    Trigger,
    recommend,
)


def answers(areas=(), feelings=(), duration=Duration.DAYS, triggers=()) -> Answers:
    return Answers(
        areas=frozenset(areas),
        feelings=frozenset(feelings),
        duration=duration,
        triggers=frozenset(triggers),
    )


@dataclass(frozen=True)
class RowCase:
    """A row, found by its service, weight and how its reason starts; answers it matches; and
    the nearest answers it must not match."""

    service: str
    weight: int
    reason: str
    matches: Answers
    misses: Answers

    def row(self) -> Row:
        found = [
            row
            for row in TABLE
            if row.service == self.service
            and row.weight == self.weight
            and row.reason.startswith(self.reason)
        ]
        assert len(found) == 1, f"{len(found)} rows for {self}"
        return found[0]


ROW_CASES = {
    "long-standing deep stiffness": RowCase(
        DEEP_TISSUE,
        3,
        "Long-standing deep stiffness",
        matches=answers(feelings=[Feeling.DEEP_STIFFNESS], duration=Duration.MONTHS_OR_YEARS),
        misses=answers(feelings=[Feeling.DEEP_STIFFNESS], duration=Duration.WEEKS),
    ),
    "pain for months or years": RowCase(
        DEEP_TISSUE,
        1,
        "Pain for months or years",
        matches=answers(areas=[Area.ALL_OVER], duration=Duration.MONTHS_OR_YEARS),
        misses=answers(areas=[Area.ALL_OVER], duration=Duration.WEEKS),
    ),
    "desk and phone": RowCase(
        DEEP_TISSUE,
        2,
        "Desk work and phone use",
        matches=answers(triggers=[Trigger.DESK_PHONE]),
        misses=answers(triggers=[Trigger.DRIVING]),
    ),
    "burning between the shoulder blades": RowCase(
        DEEP_TISSUE,
        2,
        "Burning pain between the shoulder blades",
        matches=answers(feelings=[Feeling.BURNING_SHOULDER_BLADES]),
        misses=answers(feelings=[Feeling.KNOTS_HEADACHES]),
    ),
    "neck and upper back": RowCase(
        DEEP_TISSUE,
        1,
        "Neck and upper back",
        matches=answers(areas=[Area.UPPER_BACK]),
        misses=answers(areas=[Area.LOWER_BACK]),
    ),
    "stress": RowCase(
        HOT_STONE,
        3,
        "Stress held in the upper back and shoulders",
        matches=answers(triggers=[Trigger.STRESS]),
        misses=answers(triggers=[Trigger.DESK_PHONE]),
    ),
    "knots and tension headaches": RowCase(
        HOT_STONE,
        3,
        "Knots and tension headaches",
        matches=answers(feelings=[Feeling.KNOTS_HEADACHES]),
        misses=answers(feelings=[Feeling.DEEP_STIFFNESS]),
    ),
    "tension all over": RowCase(
        HOT_STONE,
        2,
        "Tension all over",
        matches=answers(areas=[Area.ALL_OVER]),
        misses=answers(areas=[Area.UPPER_BACK]),
    ),
    "stubborn stiffness": RowCase(
        CUPPING,
        2,
        "Stubborn stiffness",
        matches=answers(feelings=[Feeling.DEEP_STIFFNESS], duration=Duration.WEEKS),
        misses=answers(feelings=[Feeling.DEEP_STIFFNESS], duration=Duration.DAYS),
    ),
    "pain down the leg": RowCase(
        SCIATICA,
        4,
        SCIATICA_REASON,
        matches=answers(areas=[Area.LEG]),
        misses=answers(areas=[Area.LOWER_BACK]),
    ),
    "tingling down the leg": RowCase(
        SCIATICA,
        3,
        SCIATICA_REASON,
        matches=answers(feelings=[Feeling.TINGLING_LEG]),
        misses=answers(feelings=[Feeling.SHARP_STANDING_BENDING]),
    ),
    "sharp pain on standing or bending": RowCase(
        SCIATICA,
        2,
        "Sharp pain when standing up, or pain when bending or lifting",
        matches=answers(feelings=[Feeling.SHARP_STANDING_BENDING]),
        misses=answers(feelings=[Feeling.DEEP_STIFFNESS]),
    ),
    "lower back worse when lifting": RowCase(
        SCIATICA,
        2,
        "Sharp pain when standing up, or pain when bending or lifting",
        matches=answers(areas=[Area.LOWER_BACK], triggers=[Trigger.LIFTING]),
        misses=answers(areas=[Area.UPPER_BACK], triggers=[Trigger.LIFTING]),
    ),
    "lower back worse when sitting": RowCase(
        SCIATICA,
        2,
        "Sitting for long periods",
        matches=answers(areas=[Area.LOWER_BACK], triggers=[Trigger.SITTING]),
        misses=answers(areas=[Area.UPPER_BACK], triggers=[Trigger.SITTING]),
    ),
    "lower back worse when driving": RowCase(
        SCIATICA,
        2,
        "Sitting for long periods",
        matches=answers(areas=[Area.LOWER_BACK], triggers=[Trigger.DRIVING]),
        misses=answers(areas=[Area.LOWER_BACK], triggers=[Trigger.STRESS]),
    ),
    "lower back and hips": RowCase(
        SCIATICA,
        1,
        "Lower back and hips",
        matches=answers(areas=[Area.LOWER_BACK]),
        misses=answers(areas=[Area.ALL_OVER]),
    ),
}


def test_every_row_of_the_table_has_a_case_below():
    covered = {id(case.row()) for case in ROW_CASES.values()}

    assert [row.reason[:50] for row in TABLE if id(row) not in covered] == []


@pytest.mark.parametrize("case", ROW_CASES.values(), ids=ROW_CASES.keys())
def test_row_matches_its_answers_and_not_the_nearest_others(case):
    row = case.row()

    assert row.when(case.matches)
    assert not row.when(case.misses)


@pytest.mark.parametrize("case", ROW_CASES.values(), ids=ROW_CASES.keys())
def test_row_recommends_its_service_with_its_reason(case):
    recommended = {r.service: r for r in recommend(case.matches)}

    assert case.service in recommended
    assert case.row().reason in recommended[case.service].reasons
    assert recommended[case.service].score >= case.weight


def test_every_service_in_the_table_is_one_the_demo_clinic_offers():
    assert {row.service for row in TABLE} <= {spec["slug"] for spec in SERVICES}


def test_every_reason_reads_as_sentences():
    for row in TABLE:
        assert row.reason[0].isupper() and row.reason.endswith("."), row.reason
        assert "  " not in row.reason, row.reason


@pytest.mark.parametrize("area", Area.values)
def test_every_place_it_can_hurt_leads_to_a_suggestion_from_the_table(area):
    assert recommend(answers(areas=[area])) != [DEFAULT]


def test_long_standing_deep_stiffness_and_posture_ranks_deep_tissue_first():
    ranked = recommend(
        answers(
            areas=[Area.UPPER_BACK],
            feelings=[Feeling.DEEP_STIFFNESS],
            duration=Duration.MONTHS_OR_YEARS,
            triggers=[Trigger.DESK_PHONE],
        )
    )

    assert ranked[0].service == DEEP_TISSUE
    assert any("posture problems" in reason for reason in ranked[0].reasons)


def test_stress_held_in_the_shoulders_ranks_hot_stone_first():
    ranked = recommend(
        answers(
            areas=[Area.UPPER_BACK],
            feelings=[Feeling.KNOTS_HEADACHES],
            duration=Duration.WEEKS,
            triggers=[Trigger.STRESS],
        )
    )

    assert ranked[0].service == HOT_STONE
    assert any("upper back and shoulders" in reason for reason in ranked[0].reasons)


def test_stubborn_stiffness_of_some_weeks_ranks_cupping_first():
    ranked = recommend(
        answers(
            areas=[Area.LOWER_BACK],
            feelings=[Feeling.DEEP_STIFFNESS],
            duration=Duration.WEEKS,
        )
    )

    assert ranked[0].service == CUPPING
    assert any("blood flow" in reason for reason in ranked[0].reasons)


def test_pain_down_the_leg_ranks_sciatica_first_with_the_hips_and_glutes():
    ranked = recommend(
        answers(
            areas=[Area.LEG, Area.LOWER_BACK],
            feelings=[Feeling.TINGLING_LEG],
            duration=Duration.MONTHS_OR_YEARS,
            triggers=[Trigger.SITTING, Trigger.STRESS],
        )
    )

    assert ranked[0].service == SCIATICA
    assert "hips and glutes" in ranked[0].reasons[0]


def test_a_service_scores_the_sum_of_its_matching_rows():
    ranked = recommend(
        answers(areas=[Area.LOWER_BACK], triggers=[Trigger.SITTING, Trigger.DRIVING])
    )

    assert [(r.service, r.score) for r in ranked] == [(SCIATICA, 2 + 1)]


def test_services_are_ranked_by_their_summed_weights():
    ranked = recommend(
        answers(
            areas=[Area.UPPER_BACK, Area.LEG],
            feelings=[Feeling.KNOTS_HEADACHES],
            triggers=[Trigger.STRESS],
        )
    )

    assert [(r.service, r.score) for r in ranked] == [
        (HOT_STONE, 3 + 3),
        (SCIATICA, 4),
        (DEEP_TISSUE, 1),
    ]


def test_a_reason_two_rows_share_is_given_once():
    (sciatica,) = recommend(answers(areas=[Area.LEG], feelings=[Feeling.TINGLING_LEG]))

    assert sciatica.score == 4 + 3
    assert sciatica.reasons == (SCIATICA_REASON,)


def test_reasons_keep_the_order_of_the_table():
    ranked = recommend(
        answers(
            areas=[Area.UPPER_BACK],
            feelings=[Feeling.BURNING_SHOULDER_BLADES],
            triggers=[Trigger.DESK_PHONE],
        )
    )

    assert [reason.split()[0] for reason in ranked[0].reasons] == [
        "Desk",
        "Burning",
        "Neck",
    ]


def test_services_with_equal_scores_keep_the_order_of_the_table():
    table = [
        Row(when=lambda a: True, service="first", weight=2, reason="First."),
        Row(when=lambda a: True, service="second", weight=1, reason="Second."),
        Row(when=lambda a: True, service="third", weight=2, reason="Third."),
        Row(when=lambda a: True, service="second", weight=1, reason="Second again."),
    ]

    ranked = recommend(answers(), table)

    assert [r.service for r in ranked] == ["first", "second", "third"]
    assert ranked[1].reasons == ("Second.", "Second again.")


def test_with_nothing_matched_it_suggests_deep_tissue_and_the_assessment():
    (only,) = recommend(answers())

    assert only == DEFAULT
    assert only.service == DEEP_TISSUE
    assert "assessment" in only.reasons[0]
