"""Audience rules evaluated over a snapshot of the ``campaign_shop`` chain, on both stores (the
live tables come from each store), and validation errors that name the field."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from campaign_shop import NOW, build
from sqlalchemy import Engine

from analytics.analytics_shop import Shop
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns import audiences
from omnicrm.core.errors import InvalidRecord
from omnicrm.promotions.repository import load_catalogue
from omnicrm.store.db import read_session, unit_of_work


@pytest.fixture
def shop(engine: Engine) -> Shop:
    with unit_of_work(engine) as session:
        return build(session)


@pytest.fixture
def db(engine: Engine, shop: Shop, tmp_path: Path) -> Iterator:
    snap = Snapshot(tmp_path / "analytics.duckdb")
    snap.refresh(engine)
    cursor = snap.cursor()
    yield cursor
    cursor.close()
    snap.close()


def _who(engine: Engine, db, shop: Shop, rule: dict) -> set[str]:  # type: ignore[no-untyped-def]
    parsed = audiences.parse_rule(rule)
    with read_session(engine) as session:
        live = audiences.live_tables(session.connection(), audiences.needs(parsed), NOW)
    ids = set(audiences.members(db, parsed, NOW, live).tolist())
    return {k for k, v in shop.ids.items() if v in ids and k in "ABCDE"}


SHOES = {"type": "purchased", "categories": ["Shoes"]}
CASES = [
    (
        {
            "type": "all",
            "rules": [
                {**SHOES, "within_days": 90},
                {"type": "not", "rule": {**SHOES, "within_days": 30}},
            ],
        },
        {"A"},
    ),
    ({**SHOES, "within_days": 90}, {"A", "B"}),
    ({"type": "purchased", "skus": ["P2"], "within_days": 90}, {"D", "E"}),
    ({"type": "consent", "channel": "email"}, {"A"}),
    ({"type": "points_expiring", "within_days": 14}, {"A"}),
    ({"type": "points_expiring", "within_days": 14, "min_points": 201}, set()),
    ({"type": "balance", "min": 400}, {"A"}),
    ({"type": "cart_abandoned", "min_hours_ago": 1, "max_hours_ago": 4}, {"C"}),
    ({"type": "cart_abandoned", "min_hours_ago": 3}, set()),
    ({"type": "age", "min": 40}, {"B"}),
    ({"type": "attribute", "field": "city", "values": ["Москва"]}, {"A"}),
    (
        {
            "type": "any",
            "rules": [
                {"type": "level", "levels": ["silver"]},
                {"type": "attribute", "field": "gender", "values": ["M"]},
            ],
        },
        {"A", "B"},
    ),
    ({"type": "event", "kinds": ["add_to_cart"], "within_days": 7}, {"C", "D"}),
    ({"type": "not", "rule": {"type": "age", "min": 40}}, {"A", "C", "D", "E"}),
]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_rule_selects_exactly_the_customers_it_describes(engine, db, shop, rule, expected) -> None:  # type: ignore[no-untyped-def]
    assert _who(engine, db, shop, rule) == expected


def test_rfm_rule_scores_the_period_before_now(engine, db, shop) -> None:  # type: ignore[no-untyped-def]
    everyone = {"type": "rfm", "segments": list(audiences.rules.SEGMENTS), "period_days": 90}
    assert _who(engine, db, shop, everyone) == {"A", "B", "D", "E"}


def test_values_are_bound_never_spliced_into_the_sql() -> None:
    rule = audiences.parse_rule(
        {"type": "attribute", "field": "city", "values": ["x'); DROP TABLE people; --"]}
    )
    compiled = audiences.rules.compile_rule(rule, NOW, audiences.timedelta(hours=1))
    assert "DROP" not in compiled.sql
    assert ["x'); DROP TABLE people; --"] in compiled.params.values()


def test_bad_rules_are_refused_naming_each_field(engine, shop) -> None:  # type: ignore[no-untyped-def]
    bad = {
        "type": "all",
        "rules": [
            {"type": "purchased", "within_days": 0, "categories": ["Shoes"]},
            {"type": "not", "rule": {"type": "consent", "channel": "pigeon"}},
            {"type": "purchased", "within_days": 5, "categories": ["Hats"]},
        ],
    }
    with pytest.raises(InvalidRecord) as shape:
        audiences.parse_rule(bad)
    assert {e.field for e in shape.value.errors} == {
        "rules.rules[0].within_days",
        "rules.rules[1].rule.channel",
    }
    bad["rules"] = bad["rules"][2:]
    with read_session(engine) as session, pytest.raises(InvalidRecord) as refs:
        audiences.validate(bad, load_catalogue(session))
    assert [(e.field, e.message) for e in refs.value.errors] == [
        ("rules.rules[0].categories[0]", "unknown category 'Hats'")
    ]


def test_snapshot_keeps_the_members_it_was_taken_with(engine, db, shop) -> None:  # type: ignore[no-untyped-def]
    rule = audiences.parse_rule({**SHOES, "within_days": 90})
    with unit_of_work(engine) as session:
        audience = audiences.save(session, "shoes", "Shoes buyers", rule, NOW)
        frozen = audiences.take_snapshot(
            session, audience, audiences.members(db, rule, NOW, {}), NOW
        )
    with read_session(engine) as session:
        again = audiences.latest_snapshot(session, audiences.get(session, "shoes"))
    assert (again.id, again.taken_at) == (frozen.id, NOW)
    assert again.members.tolist() == sorted([shop.ids["A"], shop.ids["B"]])
