"""The till has one path: every bundled program file's every kind of rule (points, category
rates, levels, stamp cards, clubs, paid plans, referral, challenges, partners, co-branded
cards, donations) is served by ``till`` over ``till_store`` and ``sale``, for members found by
card, phone, QR, account id and through a merged profile, and the ledger it writes re-derives
exactly."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from loyalty_helpers import T0
from sqlalchemy import Engine, select

from omnicrm.identity.merge import merge_profiles
from omnicrm.loyalty import memberships, till
from omnicrm.loyalty.enrolment import enrol_member
from omnicrm.loyalty.expiry import rebuild_balance
from omnicrm.loyalty.programs import EXAMPLES, Program, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.loyalty.schemas import (
    CalculateRequest,
    DonationRequest,
    EnrolRequest,
    MembershipRequest,
    ReceiptRequest,
)
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.loyalty import LoyaltyEntry, LoyaltyLevelChange

DAY = timedelta(days=1)
PROGRAM_FILES = sorted(EXAMPLES.glob("*.json"))


def test_the_fallback_path_is_gone() -> None:
    assert importlib.util.find_spec("omnicrm.loyalty.hotpath") is None
    package = Path(till.__file__).parent
    assert not [p.name for p in package.glob("*.py") if "Fallback" in p.read_text()]


def _receipt(n: int, ident: dict, lines: list[tuple[str, str | None, int, int]], **extra) -> dict:
    return {
        "terminal": "T1",
        "receipt_id": f"R{n}",
        "identify": ident,
        "lines": [
            {"line_no": i, "sku": sku, "category": cat, "qty": qty, "price_minor": price}
            for i, (sku, cat, qty, price) in enumerate(lines, start=1)
        ],
        **extra,
    }


def _rules(answer: dict) -> set[str]:
    found = {r["rule"] for r in answer.get("bonuses", [])}
    for line in answer["lines"]:
        found |= {d["rule"] for d in line["discounts"]}
        found.add(line["earn_rule"])
    return found - {None}


def _expected(program: Program) -> set[str]:
    """The rules each kind of rule in the program must show once its receipts were sold."""
    rules = {"earn:base", "burn", *(f"earn:category:{c}" for c in program.points.category_earn_pct)}
    if program.levels is not None:
        rules |= {f"level:{t.code}" for t in program.levels.tiers[:2] if t.discount_pct}
    rules |= {f"stamp_card:{card.code}" for card in program.stamp_cards}
    rules |= {f"+club:{club.code}" for club in program.clubs[:1]}
    rules |= {f"paid_plan:{plan.code}" for plan in program.paid_plans[:1] if plan.discount_pct}
    rules |= {f"+paid_plan:{plan.code}" for plan in program.paid_plans[:1] if plan.extra_earn_pct}
    if program.referral is not None:
        rules |= {"referral:friend", "referral:referrer"}
    rules |= {f"challenge:{c.code}" for c in program.challenges}
    rules |= {f"partner:{p.code}" for p in program.partners[:1]}
    rules |= {f"cobrand:{c.code}" for c in program.cobrands[:1]}
    rules |= {f"donation:{cause.code}" for cause in program.causes[:1]}
    return rules


def _has(seen: set[str], rule: str) -> bool:
    """``rule`` seen, alone or combined with a club's or plan's extra (``earn:base+club:kids``)."""
    return any(
        s == rule or s.startswith(rule + "+") or (rule[0] == "+" and rule in s) for s in seen
    )


@pytest.mark.parametrize("path", PROGRAM_FILES, ids=lambda p: p.stem)
def test_one_path_serves_every_kind_of_rule_of_the_bundled_programs(
    engine: Engine, path: Path
) -> None:
    program = read_program_file(path)
    with unit_of_work(engine) as session:
        save_program(session, program)
        referrer = enrol_member(
            session, EnrolRequest(channel="till", phone="+79160001001", consents={}), T0
        )
        friend = enrol_member(
            session,
            EnrolRequest(
                channel="till",
                phone="+79160001002",
                consents={},
                referral_code=referrer.referral_code,
            ),
            T0,
        )
        other = enrol_member(
            session, EnrolRequest(channel="till", phone="+79160001003", consents={}), T0
        )
    card = {"kind": "card", "value": friend.card_number}
    seen: set[str] = set()

    def sell(n: int, ident: dict, lines: list, now, **extra) -> dict:
        body = _receipt(n, ident, lines, **extra)
        quote = till.calculate_quote(engine, CalculateRequest.model_validate(body), now)
        answer = till.confirm_receipt(engine, ReceiptRequest.model_validate(body), now)
        assert till.confirm_receipt(engine, ReceiptRequest.model_validate(body), now) == answer
        assert quote["lines"] == answer["lines"]
        seen.update(_rules(answer))
        return answer

    plan = program.paid_plans[0] if program.paid_plans else None
    with unit_of_work(engine) as session:
        for club in program.clubs[:1]:
            memberships.join_club(session, friend.account_id, club.code, T0)
    if plan is not None:
        memberships.buy_membership(
            engine,
            MembershipRequest(terminal="T1", operation_id="M1", identify=card, plan=plan.code),
            T0,
        )
    stamp = program.stamp_cards[0] if program.stamp_cards else None
    lines: list = [("BREAD", "bakery", 1, 150_000), ("GARDEN", "garden", 1, 20_000)]
    lines += [(f"C{cat}", cat, 1, 30_000) for cat in program.points.category_earn_pct]
    lines += [(f"K{cat}", cat, 1, 40_000) for club in program.clubs[:1] for cat in club.categories]
    if stamp is not None:
        lines.append(("STAMP", (stamp.categories or [None])[0], stamp.buy + 1, 20_000))
    first = sell(1, card, lines, T0)
    assert first["account_id"] == friend.account_id

    qr = {"kind": "qr", "value": f"CARD:{friend.card_number}"}
    sell(2, qr, [("BREAD", "bakery", 2, 50_000)], T0 + 20 * DAY, points_to_spend=100)
    if program.levels is not None and len(program.levels.tiers) > 1:
        upgrade = program.levels.tiers[1].threshold_minor * 2
        account = {"kind": "account", "value": str(friend.account_id)}
        after = sell(3, account, [("BIKE", "garden", 1, upgrade)], T0 + 21 * DAY)
        assert after["level"] == program.levels.tiers[1].code
        with read_session(engine) as session:
            assert session.scalar(
                select(LoyaltyLevelChange.to_level).where(
                    LoyaltyLevelChange.account_id == friend.account_id
                )
            )
        sell(4, card, [("BREAD", "bakery", 1, 50_000)], T0 + 22 * DAY)
    for partner in program.partners[:1]:
        sell(5, card, [("CAKE", "bakery", 1, 30_000)], T0 + 23 * DAY, partner=partner.code)
    for cobrand in program.cobrands[:1]:
        with unit_of_work(engine) as session:
            memberships.join_cobrand(session, referrer.account_id, cobrand.code, T0)
        holder = {"kind": "account", "value": str(referrer.account_id)}
        sell(7, holder, [("CAKE", "bakery", 1, 30_000)], T0 + 24 * DAY)
    for cause in program.causes[:1]:
        memberships.donate_points(
            engine,
            friend.account_id,
            DonationRequest(operation_id="D1", cause=cause.code, points=10),
            "till-1",
            T0 + 40 * DAY,
        )

    with unit_of_work(engine) as session:  # the other profile merges into the referrer's
        merge_profiles(
            session, referrer.customer_id, other.customer_id, method="manual", evidence={}
        )
    merged = sell(6, {"kind": "phone", "value": "+79160001003"}, [("X", "bakery", 1, 10_000)], T0)
    assert merged["account_id"] in (referrer.account_id, other.account_id)
    assert merged["account_id"] == min(referrer.account_id, other.account_id)  # the oldest

    with read_session(engine) as session:
        seen |= set(session.scalars(select(LoyaltyEntry.rule).distinct()))
    missing = sorted(rule for rule in _expected(program) if not _has(seen, rule))
    assert missing == []
    for member in (referrer, friend, other):
        assert not rebuild_balance(engine, member.account_id).changed
