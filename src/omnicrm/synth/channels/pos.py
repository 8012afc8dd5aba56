"""POS receipts (pos_receipts.csv): one row per line, sales and inline returns.

A return is a receipt of its own with ``op=return`` naming the original receipt by its full key
``store_code/terminal_id/receipt_no`` and the original line. Cards: a member scans their card (or
their duplicate), strangers sometimes get the store's "house" card, the rest are anonymous.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.channels.common import card_text, person_ids, skus, store_codes
from omnicrm.synth.formats import concat, digits, local_wall, null_where, where
from omnicrm.synth.identifiers import CARD_HOUSE, card_numbers
from omnicrm.synth.population import STORE
from omnicrm.synth.schema import POS
from omnicrm.synth.world import Chunk, Part

_DAY = 86400
_METHODS = ("card", "cash", "gift_card")


def house_cards(seed: int, n_points: int) -> np.ndarray:
    """One "house" card per point of the network (used only at stores)."""
    return card_numbers(np.arange(n_points), seed, CARD_HOUSE)


def pos_part(ch: Chunk) -> Part:
    rng, o, p, net = ch.rng, ch.orders, ch.people, ch.world.net
    sel = np.flatnonzero(o.channel == STORE)
    n = len(sel)
    person, store, ts = o.person[sel], o.store[sel], o.ts[sel]
    terminal = 1 + (rng.random(n) * net.terminals[store]).astype(np.int64)

    card = _scanned_card(rng, ch, person, store, ts)
    lo, hi = o.line_lo[sel], o.line_lo[sel + 1]
    counts = hi - lo
    lines = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    amount = o.amount()[lines]
    receipt_of_line = np.repeat(np.arange(n), counts)
    total = np.bincount(receipt_of_line, weights=amount, minlength=n).astype(np.int64)
    payments = _payments(
        rng, p.points_user[person] & (card != 0) & (card != _house(ch, store)), total
    )

    # Returns: some lines come back 1-21 days later, one return receipt per original receipt.
    root = ch.world.cat.root[o.sku[lines]]
    p_ret = np.where(root <= 1, 0.07, 0.025)
    ret_line = rng.random(len(lines)) < p_ret
    ret_day = o.day[sel][receipt_of_line] + rng.integers(1, 22, len(lines))
    ret_line &= ret_day < ch.world.cfg.n_days
    ret_rcpt, ret_first = np.unique(receipt_of_line[ret_line], return_index=True)
    r_day = ret_day[ret_line][ret_first]
    off = net.offset_h[store[ret_rcpt]]
    r_ts = (
        ch.world.start_s
        + r_day * _DAY
        + rng.integers(10 * 3600, 22 * 3600, len(ret_rcpt))
        - off * 3600
    )
    r_ts = np.maximum(r_ts, ts[ret_rcpt] + 3600)
    keep = r_ts <= ch.world.end_s
    ret_rcpt, r_ts = ret_rcpt[keep], r_ts[keep]
    ret_line &= np.isin(receipt_of_line, ret_rcpt)

    # All receipts (sales then returns) numbered in time order inside the chunk.
    m = len(ret_rcpt)
    all_ts = np.concatenate([ts, r_ts])
    all_store = np.concatenate([store, store[ret_rcpt]])
    all_term = np.concatenate(
        [terminal, 1 + (rng.random(m) * net.terminals[store[ret_rcpt]]).astype(np.int64)]
    )
    all_person = np.concatenate([person, person[ret_rcpt]])
    all_card = np.concatenate([card, card[ret_rcpt]])
    order = np.argsort(all_ts, kind="stable")
    number = np.empty(n + m, dtype=np.int64)
    number[order] = ch.index * 10_000_000 + np.arange(1, n + m + 1)
    receipt_no = digits(number, 10)
    codes = store_codes(ch, all_store)
    key = concat(codes, "/", digits(all_term), "/", receipt_no)

    # Return lines.
    rl = np.flatnonzero(ret_line)
    r_of = np.searchsorted(ret_rcpt, receipt_of_line[rl])  # index among return receipts
    oq = o.qty[lines[rl]]
    r_qty = np.where((oq > 1) & (rng.random(len(rl)) < 0.4), 1, oq)
    r_disc = o.discount[lines[rl]] * r_qty // oq
    r_amount = r_qty * o.price[lines[rl]] - r_disc
    r_line_no = np.arange(len(rl)) - np.searchsorted(r_of, r_of) + 1
    r_total = np.bincount(r_of, weights=r_amount, minlength=m).astype(np.int64)
    refund_method = np.where(
        pc.starts_with(payments, "cash").to_numpy(zero_copy_only=False)[ret_rcpt], "cash", "card"
    )
    r_pay = concat(pa.array(refund_method[r_of]), "=", digits(r_total[r_of]))
    orig_line_no = (lines[rl] - o.line_lo[sel][receipt_of_line[rl]]) + 1

    # Row table: sale lines then return lines, then ordered by (receipt time order, line).
    rows_rcpt = np.concatenate([receipt_of_line, n + r_of])
    line_no = np.concatenate([o.line_no()[lines], r_line_no])
    row_order = np.lexsort((line_no, np.argsort(order, kind="stable")[rows_rcpt]))
    sale = np.concatenate([np.ones(len(lines), bool), np.zeros(len(rl), bool)])
    pay_rows = pa.concat_arrays([payments.take(pa.array(receipt_of_line)), r_pay])
    orig_rcpt = pa.concat_arrays(
        [pa.nulls(len(lines), pa.string()), key.take(pa.array(receipt_of_line[rl]))]
    )
    orig_line = np.concatenate([np.zeros(len(lines), np.int64), orig_line_no])
    cols = {
        "store_code": codes.take(pa.array(rows_rcpt)),
        "terminal_id": pa.array(all_term[rows_rcpt]),
        "receipt_no": receipt_no.take(pa.array(rows_rcpt)),
        "op": where(sale, "sale", "return"),
        "ts_local": local_wall(all_ts[rows_rcpt], net.offset_h[all_store[rows_rcpt]]),
        "card_no": card_text(all_card[rows_rcpt]),
        "payments": pay_rows,
        "line_no": pa.array(line_no),
        "sku": skus(ch, np.concatenate([o.sku[lines], o.sku[lines[rl]]])),
        "qty": pa.array(np.concatenate([o.qty[lines], r_qty])),
        "price_minor": pa.array(np.concatenate([o.price[lines], o.price[lines[rl]]])),
        "discount_minor": pa.array(np.concatenate([o.discount[lines], r_disc])),
        "amount_minor": pa.array(np.concatenate([amount, r_amount])),
        "orig_receipt_no": orig_rcpt,
        "orig_line_no": pa.array(orig_line, mask=orig_line == 0),
    }
    table = pa.table(cols).take(pa.array(row_order))
    ch.extras["store_visits"] = (person, store, ts)
    ch.extras["pos_receipts"] = (key.take(pa.array(order)), all_person[order], all_ts[order])
    return Part(
        POS,
        table,
        n + m,
        key.take(pa.array(order)),
        person_ids(ch, all_person[order]),
    )


def _house(ch: Chunk, store: np.ndarray) -> np.ndarray:
    return house_cards(ch.world.cfg.seed, len(ch.world.net.code))[store]


def _scanned_card(
    rng: np.random.Generator, ch: Chunk, person: np.ndarray, store: np.ndarray, ts: np.ndarray
) -> np.ndarray:
    p = ch.people
    n = len(person)
    issued = p.member[person] & (p.card_issued_s[person] <= ts)
    scans = issued & (rng.random(n) < 0.86)
    dup_ok = (p.dup_card_no[person] != 0) & (p.dup_issued_s[person] <= ts)
    own = np.where(dup_ok & (rng.random(n) < 0.5), p.dup_card_no[person], p.card_no[person])
    stranger = ~scans & (rng.random(n) < np.where(issued, 0.02, 0.09))
    return np.where(scans, own, np.where(stranger, _house(ch, store), 0))


def _payments(rng: np.random.Generator, may_use_points: np.ndarray, total: np.ndarray) -> pa.Array:
    """``method=amount`` pairs joined by ``;`` summing to the receipt total."""
    n = len(total)
    use_points = may_use_points & (rng.random(n) < 0.3) & (total >= 20_000)
    points = np.where(use_points, (total * rng.uniform(0.05, 0.3, n)) // 100 * 100, 0)
    rest = total - points
    method = rng.choice(3, size=n, p=[0.7, 0.26, 0.04])
    gift = np.where(method == 2, np.minimum(rest, rng.choice([100_000, 200_000, 300_000], n)), 0)
    after_gift = rest - gift
    main = pa.array(np.array(_METHODS)[np.where(method == 1, 1, 0)])
    parts = [
        null_where(points == 0, concat("points=", digits(points))),
        null_where(gift == 0, concat("gift_card=", digits(gift))),
        null_where(
            (after_gift == 0) & ((points > 0) | (gift > 0)), concat(main, "=", digits(after_gift))
        ),
    ]
    return pc.binary_join_element_wise(*parts, ";", null_handling="skip")
