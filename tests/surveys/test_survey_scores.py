"""NPS and CSI worked out by hand, and the questionnaire and answer checks (pure)."""

from datetime import UTC, datetime

import pytest

from omnicrm.core.errors import InvalidRecord
from omnicrm.surveys.questionnaire import parse, read_answer
from omnicrm.surveys.scores import Scored, csi, grouped, month_of, nps


def test_five_promoters_three_passives_two_detractors_is_nps_30() -> None:
    score = nps([9, 10, 9, 10, 9, 7, 8, 7, 6, 0])
    assert (score.answers, score.promoters, score.passives, score.detractors) == (10, 5, 3, 2)
    assert score.value == 30.0


def test_nps_runs_from_minus_100_to_100_and_is_empty_without_answers() -> None:
    assert nps([0, 6]).value == -100.0
    assert nps([9, 10]).value == 100.0
    assert nps([]).value is None


def test_csi_is_the_mean_and_the_share_satisfied() -> None:
    score = csi([5, 4, 3, 2])  # mean 3.5, two of four at 4 or above
    assert (score.answers, score.value, score.satisfied_pct) == (4, 3.5, 50.0)


def _a(score: float, store: str | None, month: int) -> Scored:
    return Scored(score, datetime(2025, month, 5, tzinfo=UTC), store, "web", 1, "survey_forms")


def test_grouped_gives_the_overall_score_first_then_each_group() -> None:
    answers = [_a(10, "S1", 7), _a(0, "S1", 8), _a(9, "S2", 8), _a(8, None, 8)]
    by_store = grouped("nps", answers, lambda a: a.store)
    assert [(s.group, s.answers, s.value) for s in by_store] == [
        ("all", 4, 25.0), ("-", 1, 0.0), ("S1", 2, 0.0), ("S2", 1, 100.0),
    ]  # fmt: skip
    by_month = grouped("nps", answers, month_of)
    assert [(s.group, s.value) for s in by_month[1:]] == [("2025-07", 100.0), ("2025-08", 0.0)]


NPS = parse("nps", "Rate us", "nps", [{"id": "recommend", "text": "Recommend us?"}])
CSI = parse(
    "csi",
    "Satisfaction",
    "csi",
    [{"id": "staff", "text": "Staff"}, {"id": "range", "text": "Range"}],
)


def test_an_answer_is_checked_against_its_questionnaire() -> None:
    assert read_answer(NPS, {"recommend": "9"}, " fine ").scores == {"recommend": 9}
    assert read_answer(CSI, {"staff": 5, "range": 4}, None).overall("csi") == 4.5
    with pytest.raises(InvalidRecord) as bad:
        read_answer(CSI, {"staff": 6, "colour": 3}, None)
    assert {e.field for e in bad.value.errors} == {
        "answers.staff",
        "answers.range",
        "answers.colour",
    }


def test_a_questionnaire_names_its_bad_fields() -> None:
    with pytest.raises(InvalidRecord) as bad:
        parse("x", "X", "nps", [{"id": "a", "text": "A"}, {"id": "a", "text": ""}])
    assert {e.field for e in bad.value.errors} == {
        "questions", "questions[1].id", "questions[1].text",
    }  # fmt: skip
    with pytest.raises(InvalidRecord) as bad:
        parse("x", "X", "ces", [{"id": "a", "text": "A"}])
    assert [e.field for e in bad.value.errors] == ["kind"]
