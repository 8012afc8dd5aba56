"""Properties of the evaluator over random carts and random promotion mixes: no line is
discounted beyond its price, and every promotion's allocation adds up to its discount."""

from hypothesis import given, settings
from hypothesis import strategies as st
from promo_helpers import cart, ctx, rule, run

SKUS = ["A", "B", "C", "D"]

lines = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(1, 5), st.integers(0, 100_000)),
    min_size=1,
    max_size=8,
)
select = st.fixed_dictionaries({"skus": st.lists(st.sampled_from(SKUS), max_size=2)})
effects = st.one_of(
    st.builds(
        lambda p, t, s: {"type": "percent_off", "percent": str(p), "target": t, "select": s},
        st.integers(1, 100),
        st.sampled_from(["receipt", "lines"]),
        select,
    ),
    st.builds(
        lambda a, u, s: {
            "type": "amount_off",
            "amount_minor": a,
            "target": "lines",
            "select": s,
            "per_unit": u,
        },
        st.integers(1, 200_000),
        st.booleans(),
        select,
    ),
    st.builds(
        lambda p, s: {"type": "fixed_price", "price_minor": p, "select": s},
        st.integers(0, 50_000),
        select,
    ),
    st.builds(
        lambda b, f, s: {"type": "n_plus_one", "buy": b, "free": f, "select": s},
        st.integers(1, 4),
        st.integers(1, 2),
        select,
    ),
    st.builds(
        lambda m, s: {"type": "cheapest_free", "min_items": m, "select": s},
        st.integers(1, 4),
        select,
    ),
    st.builds(lambda s: {"type": "gift", "sku": s}, st.sampled_from(SKUS)),
)
promotions = st.lists(
    st.tuples(
        st.lists(effects, min_size=1, max_size=3),
        st.sampled_from(["stack", "priority", "best", "exclusive"]),
        st.one_of(st.none(), st.integers(0, 50_000)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(lines, promotions, st.integers(0, 10_000))
def test_discounts_never_exceed_a_line_and_allocations_add_up(the_lines, promos, share) -> None:  # type: ignore[no-untyped-def]
    the_cart = cart(*the_lines)
    rules = [
        rule(
            f"P{i}",
            effects=eff,
            stacking=stacking,
            priority=i,
            limits={"max_discount_minor": cap},
        )
        for i, (eff, stacking, cap) in enumerate(promos)
    ]
    result = run(rules, the_cart, ctx(), max_discount_share_bp=share)
    amounts = {line.line_no: line.amount_minor for line in the_cart.lines}
    for line_no, discount in result.line_discounts.items():
        assert 0 <= discount <= amounts[line_no]
    for applied in result.applied:
        assert sum(a.amount_minor for a in applied.lines) == applied.discount_minor
        assert all(a.amount_minor > 0 for a in applied.lines)
    assert sum(a.discount_minor for a in result.applied) == result.discount_minor
    assert sum(result.line_discounts.values()) == result.discount_minor
    assert result.discount_minor <= the_cart.total_minor * share // 10_000
    assert len(result.explanations) == len(rules)
