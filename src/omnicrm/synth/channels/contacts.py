"""Marketing messages (messages.csv), the call log (call_log.csv) and survey answers
(survey_answers.csv): the conversations around purchases.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.channels.callcentre import pbx_number
from omnicrm.synth.channels.common import local_ids, person_ids
from omnicrm.synth.formats import concat, digits, iso_ts, null_where, pick, where
from omnicrm.synth.noise import phone_as
from omnicrm.synth.rhythm import PROMOTIONS
from omnicrm.synth.schema import CALLS, MESSAGES, SURVEYS
from omnicrm.synth.world import Chunk, Part

TRIGGERED = ("welcome", "birthday", "abandoned_cart", "points_expiring", "winback")
MSG_CHANNELS = ("email", "sms", "push", "messenger")
MSG_EVENTS = ("sent", "delivered", "opened", "clicked", "unsubscribed")
_OPEN_RATE = np.array([0.3, 0.0, 0.25, 0.55])
TOPICS = ("order", "question", "complaint", "enrolment", "delivery")
COMMENTS = (
    "Всё отлично", "Долгая доставка", "Вежливый персонал", "Мало размеров", "Удобное приложение",
    "Очередь на кассе", "Спасибо!", "Товар с браком", "Хорошие скидки",
)  # fmt: skip
_DAY, _H = 86400, 3600


def messages_part(ch: Chunk) -> Part:
    rng, p, w = ch.rng, ch.people, ch.world
    member = np.flatnonzero(p.member)
    allowed = np.stack(
        [
            (p.consent[member, 0] == 1) & np.asarray(p.email.take(pa.array(member)).is_valid()),
            p.consent[member, 1] == 1,
            (p.consent[member, 2] == 1) & p.has_app[member],
            rng.random(len(member)) < 0.1,
        ],
        axis=1,
    )
    k = rng.poisson(1.6 * allowed.any(axis=1))
    person = np.repeat(member, k)
    n = len(person)
    ok = allowed[np.repeat(np.arange(len(member)), k)]
    pref = rng.random((n, 4)) * ok
    channel = pref.argmax(axis=1)
    # Campaign mail goes out on a promotion's first morning; triggered ones any day.
    promo = rng.integers(0, len(PROMOTIONS), n)
    promo_day = np.array([(pr.start - w.cfg.start).days for pr in PROMOTIONS])[promo]
    triggered = (rng.random(n) < 0.5) | (promo_day < 0)
    day = np.where(triggered, rng.integers(0, w.cfg.n_days, n), np.maximum(promo_day, 0))
    sent = (
        w.start_s
        + day * _DAY
        + np.where(triggered, rng.integers(8 * _H, 21 * _H, n), 7 * _H)
        + rng.integers(0, 1800, n)
    )
    campaign = np.where(triggered, len(PROMOTIONS) + rng.integers(0, len(TRIGGERED), n), promo)

    times = np.full((n, 5), -1, dtype=np.int64)
    times[:, 0] = sent
    delivered = rng.random(n) < 0.96
    times[:, 1] = np.where(delivered, sent + rng.integers(2, 90, n), -1)
    opened = delivered & (rng.random(n) < _OPEN_RATE[channel])
    times[:, 2] = np.where(opened, times[:, 1] + rng.integers(60, 2 * _DAY, n), -1)
    times[:, 3] = np.where(
        opened & (rng.random(n) < 0.2), times[:, 2] + rng.integers(5, 600, n), -1
    )
    unsub = delivered & (channel == 0) & (rng.random(n) < 0.01)
    times[:, 4] = np.where(unsub, np.maximum(times[:, 1], times[:, 2]) + 30, -1)
    times = np.where(times > w.end_s, -1, times)

    t_order = np.argsort(sent, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[t_order] = np.arange(n)
    mid = concat("M", digits(np.full(n, ch.index), 3), digits(rank + 1, 8))
    addr = pc.choose(
        pa.array(channel.astype(np.int8)),
        p.email.take(pa.array(person)),
        phone_as(p.phone[person], 4),
        p.device_id.take(pa.array(person)),
        phone_as(p.phone[person], 3),
    )
    row, ev = np.nonzero(times >= 0)
    at_s = times[row, ev]
    order = np.lexsort((ev, at_s))
    row, ev, at_s = row[order], ev[order], at_s[order]
    camp_names = pa.array([pr.name for pr in PROMOTIONS] + list(TRIGGERED))
    event = pick(pa.array(MSG_EVENTS), ev)
    table = pa.table(
        {
            "message_id": mid.take(pa.array(row)),
            "channel": pick(pa.array(MSG_CHANNELS), channel[row]),
            "address": addr.take(pa.array(row)),
            "campaign": pick(camp_names, campaign[row]),
            "event": event,
            "at": iso_ts(at_s, 0),
        }
    )
    push_open = (channel == 2) & (times[:, 2] >= 0)
    ch.extras["push_opens"] = (person[push_open], times[push_open, 2], campaign[push_open])
    key = concat(mid.take(pa.array(row)), "/", event)
    return Part(MESSAGES, table, len(row), key, person_ids(ch, person[row]))


def calls_part(ch: Chunk) -> Part:
    rng, p, o, w = ch.rng, ch.people, ch.orders, ch.world
    cc_ref, cc_ts, cc_caller, cc_person = ch.extras["cc_calls"]  # type: ignore[misc]
    n_cc = len(cc_ref)
    cc_dur = rng.integers(120, 900, n_cc)
    # Delivery questions about remote orders.
    fulfils = ch.extras["fulfilment"]
    refs = pa.concat_arrays([f.ref for f, _ in fulfils])  # type: ignore[attr-defined]
    f_person = np.concatenate([pp for _, pp in fulfils])  # type: ignore[misc]
    f_ts = np.concatenate([o.ts[f.order] for f, _ in fulfils])  # type: ignore[attr-defined]
    asks = np.flatnonzero(rng.random(len(f_person)) < 0.04)
    d_ts = f_ts[asks] + rng.integers(_DAY, 3 * _DAY, len(asks))
    # Questions and complaints, and enrolment by phone.
    k = rng.poisson(0.05, len(p))
    q_person = np.repeat(np.arange(len(p)), k)
    q_ts = (
        w.start_s
        + rng.integers(0, w.cfg.n_days, len(q_person)) * _DAY
        + rng.integers(9 * _H, 21 * _H, len(q_person))
        - 3 * _H
    )
    q_topic = np.where(rng.random(len(q_person)) < 0.7, 1, 2)
    enrol = np.flatnonzero(
        (p.card_store < 0) & (p.card_issued_s >= w.start_s) & (rng.random(len(p)) < 0.3)
    )
    e_ts = p.card_issued_s[enrol] - rng.integers(60, 600, len(enrol))

    person = np.concatenate([cc_person, f_person[asks], q_person, enrol])
    started = np.concatenate([cc_ts - cc_dur, d_ts, q_ts, e_ts])
    topic = np.concatenate(
        [np.zeros(n_cc, np.int64), np.full(len(asks), 4), q_topic, np.full(len(enrol), 3)]
    )
    caller = np.concatenate(
        [cc_caller, pbx_number(rng, ch, np.concatenate([f_person[asks], q_person, enrol]))]
    )
    order_ref = pa.concat_arrays(
        [cc_ref, refs.take(pa.array(asks)), pa.nulls(len(q_person) + len(enrol), pa.string())]
    )
    keep = started <= w.end_s
    idx = np.flatnonzero(keep)[np.argsort(started[keep], kind="stable")]
    n = len(idx)
    call_id = local_ids("CL", ch, n)
    duration = np.concatenate([cc_dur, rng.integers(40, 600, len(started) - n_cc)])[idx]
    table = pa.table(
        {
            "call_id": call_id,
            "started_at": iso_ts(started[idx], 3),
            "caller_number": phone_as(caller[idx], 1),
            "agent_id": concat("AG", digits(rng.integers(1, 60, n), 3)),
            "topic": pick(pa.array(TOPICS), topic[idx]),
            "duration_s": pa.array(duration),
            "order_ref": order_ref.take(pa.array(idx)),
        }
    )
    ch.extras["calls"] = (call_id, started[idx] + duration, person[idx], caller[idx])
    return Part(CALLS, table, n, call_id, person_ids(ch, person[idx]))


def surveys_part(ch: Chunk) -> Part:
    """NPS after orders (not marketplace: its buyers are not ours to ask) and CSI after calls."""
    rng, p, o, w = ch.rng, ch.people, ch.orders, ch.world
    pos_keys, pos_person, pos_ts = ch.extras["pos_receipts"]  # type: ignore[misc]
    fulfils = ch.extras["fulfilment"]
    refs = pa.concat_arrays([pos_keys] + [f.ref for f, _ in fulfils])  # type: ignore[attr-defined]
    person = np.concatenate([pos_person] + [pp for _, pp in fulfils])  # type: ignore[misc]
    ts = np.concatenate([pos_ts] + [o.ts[f.order] for f, _ in fulfils])  # type: ignore[attr-defined]
    asked = np.flatnonzero(rng.random(len(person)) < 0.05)
    _, call_end, c_person, _ = ch.extras["calls"]  # type: ignore[misc]
    c_asked = np.flatnonzero(rng.random(len(c_person)) < 0.15)

    person = np.concatenate([person[asked], c_person[c_asked]])
    order_ref = pa.concat_arrays([refs.take(pa.array(asked)), pa.nulls(len(c_asked), pa.string())])
    nps = np.concatenate([np.ones(len(asked), bool), np.zeros(len(c_asked), bool)])
    at = np.concatenate([ts[asked], call_end[c_asked]]) + rng.integers(
        2 * _H, 4 * _DAY, len(person)
    )
    n = len(person)
    # A person's mood is stable: regulars (high purchase rate) are happier.
    mood = np.clip(0.55 + 0.06 * np.log1p(p.lam[person]) + rng.normal(0, 0.22, n), 0, 1)
    score = np.where(nps, np.round(mood * 10), 1 + np.round(mood * 4)).astype(np.int64)
    via = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])  # email, sms, app
    has_email = np.asarray(p.email.take(pa.array(person)).is_valid())
    via = np.where((via == 0) & ~has_email, 1, via)
    keep = at <= w.end_s
    idx = np.flatnonzero(keep)[np.argsort(at[keep], kind="stable")]
    m = len(idx)
    rid = local_ids("SV", ch, m)
    table = pa.table(
        {
            "response_id": rid,
            "survey": where(nps[idx], "nps", "csi"),
            "channel": pick(pa.array(["email", "sms", "app"]), via[idx]),
            "order_ref": order_ref.take(pa.array(idx)),
            "phone": null_where(via[idx] == 0, phone_as(p.phone[person[idx]], 3)),
            "email": null_where(via[idx] != 0, p.email.take(pa.array(person[idx]))),
            "score": pa.array(score[idx]),
            "comment": null_where(
                rng.random(m) < 0.7, pick(pa.array(COMMENTS), rng.integers(0, len(COMMENTS), m))
            ),
            "answered_at": iso_ts(at[idx], 3),
        }
    )
    return Part(SURVEYS, table, m, rid, person_ids(ch, person[idx]))
