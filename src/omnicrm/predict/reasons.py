"""Reasons for a churn score in plain Russian and English, from the model's own attributions.

LightGBM's ``pred_contrib=True`` gives each customer's SHAP contribution of every feature to the
log-odds of churning. The reasons are the features that push the customer's risk up most (up to
``TOP``), each said as a sentence with the customer's own values ("has not bought for twice their
usual cycle" / "не покупает вдвое дольше обычного", "120 points expire in 10 days"). A customer
nothing pushes up (a safe one) gets the feature that holds their risk down most. Pure: arrays
and numbers in, sentences out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

TOP = 3
Values = Mapping[str, float]
Sentence = tuple[str, str]  # (ru, en)


def _n(v: float) -> int:
    return round(v)


def _ru_plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun form after the number ``n`` (1 покупка, 2 покупки, 5 покупок)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _en_plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def _rub(minor: float) -> Sentence:
    """Whole rubles with grouped thousands: ``12 345 ₽`` / ``12,345 RUB``."""
    rubles = round(minor / 100)
    return f"{rubles:,} ₽".replace(",", "\u00a0"), f"{rubles:,} RUB"


def _pct(share: float) -> int:
    return round(100 * share)


def _purchases(n: int) -> Sentence:
    return (
        f"{n} {_ru_plural(n, 'покупка', 'покупки', 'покупок')}",
        f"{n} {_en_plural(n, 'purchase')}",
    )


def _times(ratio: float) -> Sentence:
    if 1.75 <= ratio < 2.5:
        return "вдвое", "twice"
    if 2.5 <= ratio < 3.5:
        return "втрое", "three times"
    return f"в {ratio:.1f} раза".replace(".", ","), f"{ratio:.1f} times"


def recency_ratio(v: Values) -> Sentence | None:
    ratio, days, gap = v["recency_ratio"], _n(v["recency_days"]), _n(v["mean_gap_days"])
    if ratio >= 1.75:
        ru, en = _times(ratio)
        return (
            f"не покупает {ru} дольше обычного: {days} дн., обычно раз в {gap} дн.",
            f"has not bought for {en} their usual cycle: {days} days, usually every {gap}",
        )
    if ratio >= 1:
        return (
            f"очередная покупка запаздывает: {days} дн., обычно раз в {gap} дн.",
            f"their next purchase is overdue: {days} days, usually every {gap}",
        )
    return (
        f"покупает в обычном ритме: раз в {gap} дн., последняя {days} дн. назад",
        f"buys on their usual cycle: every {gap} days, the last {days} days ago",
    )


def recency_days(v: Values) -> Sentence:
    d = _n(v["recency_days"])
    return f"последняя покупка {d} дн. назад", f"last purchase {d} days ago"


def _frequency(h: int) -> Callable[[Values], Sentence]:
    def say(v: Values) -> Sentence:
        n = _n(v[f"frequency_{h}"])
        if n == 0:
            return f"ни одной покупки за {h} дн.", f"no purchase in the last {h} days"
        ru, en = _purchases(n)
        return f"{ru} за {h} дн.", f"{en} in the last {h} days"

    return say


def _monetary(h: int) -> Callable[[Values], Sentence]:
    def say(v: Values) -> Sentence:
        spent = v[f"monetary_{h}"]
        if spent <= 0:
            return f"ничего не потратил за {h} дн.", f"spent nothing in the last {h} days"
        ru, en = _rub(spent)
        return f"потратил {ru} за {h} дн.", f"spent {en} in the last {h} days"

    return say


def _count(
    key: str, ru: tuple[str, str, str], en: str, where_ru: str, where_en: str, none: Sentence
) -> Callable[[Values], Sentence]:
    """``{n} <noun> <where>``, or ``none`` when the count is zero."""

    def say(v: Values) -> Sentence:
        n = _n(v[key])
        if n == 0:
            return none
        return (
            f"{n} {_ru_plural(n, *ru)} {where_ru}",
            f"{n} {_en_plural(n, en)} {where_en}",
        )

    return say


def _share(key: str, ru: str, en: str) -> Callable[[Values], Sentence]:
    def say(v: Values) -> Sentence:
        p = _pct(v[key])
        return ru.format(p=p), en.format(p=p)

    return say


def gap_trend_days(v: Values) -> Sentence:
    t = v["gap_trend_days"]
    if t > 0:
        d = max(1, _n(t))
        return (
            f"покупает всё реже: каждый перерыв длиннее прежнего на {d} дн.",
            f"buys less and less often: each gap {d} days longer than the one before",
        )
    return "покупает всё чаще", "buys more and more often"


def points_expiring(v: Values) -> Sentence:
    points, days = _n(v["points_expiring_30"]), v["points_expire_in_days"]
    if points <= 0 or math.isnan(days):
        return "баллы в ближайший месяц не сгорают", "no points expire within a month"
    d = max(1, math.ceil(days))
    word = _ru_plural(points, "балл", "балла", "баллов")
    verb = "сгорит" if word == "балл" else "сгорят"
    return (
        f"{points} {word} {verb} через {d} дн.",
        f"{points} {_en_plural(points, 'point')} expire in {d} days",
    )


def points_balance(v: Values) -> Sentence:
    n = _n(v["points_balance"])
    return (
        f"на счёте {n} {_ru_plural(n, 'балл', 'балла', 'баллов')}",
        f"has {n} {_en_plural(n, 'point')} to spend",
    )


def has_level(v: Values) -> Sentence:
    if v["has_level"] > 0:
        return "есть уровень в программе лояльности", "holds a loyalty level"
    return "нет уровня в программе лояльности", "holds no loyalty level"


def nps_last(v: Values) -> Sentence:
    s = _n(v["nps_last"])
    ru, en = (
        ("критик", "a detractor")
        if s <= 6
        else ("нейтрал", "a passive")
        if s <= 8
        else ("промоутер", "a promoter")
    )
    return f"последняя оценка NPS {s} ({ru})", f"last NPS score {s} ({en})"


def csi_last(v: Values) -> Sentence:
    s = v["csi_last"]
    return (
        f"последняя оценка обслуживания {s:.1f} из 5".replace(".", ","),
        f"last service rating {s:.1f} of 5",
    )


def _days(key: str, ru: str, en: str) -> Callable[[Values], Sentence]:
    def say(v: Values) -> Sentence:
        d = _n(v[key])
        return ru.format(d=d), en.format(d=d)

    return say


def _visits(h: int) -> Callable[[Values], Sentence]:
    return _count(
        f"visits_{h}",
        ("действие", "действия", "действий"),
        "site or app action",
        f"на сайте и в приложении за {h} дн.",
        f"in the last {h} days",
        (f"не заходил на сайт и в приложение {h} дн.", f"no site or app visit in {h} days"),
    )


def _rub_value(key: str, ru: str, en: str) -> Callable[[Values], Sentence]:
    def say(v: Values) -> Sentence:
        r, e = _rub(v[key])
        return ru.format(r=r), en.format(r=e)

    return say


SENTENCES: dict[str, Callable[[Values], Sentence | None]] = {
    "recency_ratio": recency_ratio,
    "recency_days": recency_days,
    "tenure_days": _days("tenure_days", "покупатель уже {d} дн.", "a customer for {d} days"),
    "orders_total": _count(
        "orders_total",
        ("покупка", "покупки", "покупок"),
        "purchase",
        "за всё время",
        "in all",
        ("нет покупок", "no purchases"),
    ),
    **{f"frequency_{h}": _frequency(h) for h in (30, 90, 365)},
    **{f"monetary_{h}": _monetary(h) for h in (30, 90, 365)},
    "avg_order_minor": _rub_value("avg_order_minor", "средний чек {r}", "average receipt {r}"),
    "discount_share": _share(
        "discount_share", "скидки — {p}% суммы покупок", "discounts were {p}% of their spend"
    ),
    "points_paid_share": _share(
        "points_paid_share", "{p}% покупок оплачено баллами", "paid {p}% of purchases with points"
    ),
    "channels_365": _count(
        "channels_365",
        ("канал", "канала", "каналов"),
        "channel",
        "покупок за год",
        "of purchase in a year",
        ("не покупал за год", "no purchase in a year"),
    ),
    "online_share": _share("online_share", "{p}% покупок онлайн", "{p}% of purchases online"),
    "campaign_orders_365": _count(
        "campaign_orders_365",
        ("покупка", "покупки", "покупок"),
        "purchase",
        "по рассылкам за год",
        "from campaigns in a year",
        ("ни одной покупки по рассылкам за год", "no purchase from a campaign in a year"),
    ),
    "purchase_days": _count(
        "purchase_days",
        ("день", "дня", "дней"),
        "day",
        "с покупками",
        "with purchases",
        ("нет дней с покупками", "no days with purchases"),
    ),
    "mean_gap_days": _days(
        "mean_gap_days", "обычно покупает раз в {d} дн.", "usually buys every {d} days"
    ),
    "gap_std_days": _days(
        "gap_std_days",
        "покупает нерегулярно: перерывы разнятся на {d} дн.",
        "buys irregularly: gaps vary by {d} days",
    ),
    "last_gap_days": _days(
        "last_gap_days",
        "последний перерыв между покупками {d} дн.",
        "the last gap between purchases was {d} days",
    ),
    "gap_trend_days": gap_trend_days,
    "category_breadth_365": _count(
        "category_breadth_365",
        ("категория", "категории", "категорий"),
        "category",
        "покупок за год",
        "bought from in a year",
        ("ни одной категории за год", "no category bought in a year"),
    ),
    "category_breadth_90": _count(
        "category_breadth_90",
        ("категория", "категории", "категорий"),
        "category",
        "покупок за 90 дн.",
        "bought from in 90 days",
        ("ни одной категории за 90 дн.", "no category bought in 90 days"),
    ),
    "returns_365": _count(
        "returns_365",
        ("возврат", "возврата", "возвратов"),
        "return",
        "за год",
        "in a year",
        ("ни одного возврата за год", "no returns in a year"),
    ),
    "return_share_365": _share(
        "return_share_365", "вернул {p}% купленного за год", "returned {p}% of a year's purchases"
    ),
    "visits_30": _visits(30),
    "visits_90": _visits(90),
    "messages_90": _count(
        "messages_90",
        ("сообщение", "сообщения", "сообщений"),
        "message",
        "получено за 90 дн.",
        "received in 90 days",
        ("не получал сообщений 90 дн.", "no messages received in 90 days"),
    ),
    "opened_90": _count(
        "opened_90",
        ("сообщение", "сообщения", "сообщений"),
        "message",
        "открыто за 90 дн.",
        "opened in 90 days",
        ("не открывал сообщений 90 дн.", "opened no message in 90 days"),
    ),
    "clicked_90": _count(
        "clicked_90",
        ("переход", "перехода", "переходов"),
        "click",
        "из сообщений за 90 дн.",
        "on messages in 90 days",
        ("ни одного перехода из сообщений за 90 дн.", "no click on a message in 90 days"),
    ),
    "calls_365": _count(
        "calls_365",
        ("звонок", "звонка", "звонков"),
        "call",
        "в колл-центр за год",
        "to the call centre in a year",
        ("не звонил в колл-центр за год", "no call to the call centre in a year"),
    ),
    "points_balance": points_balance,
    "points_expiring_30": points_expiring,
    "points_expire_in_days": points_expiring,
    "has_level": has_level,
    "level_changes_365": _count(
        "level_changes_365",
        ("смена", "смены", "смен"),
        "loyalty level change",
        "уровня за год",
        "in a year",
        ("уровень за год не менялся", "no loyalty level change in a year"),
    ),
    "complaints_365": _count(
        "complaints_365",
        ("жалоба", "жалобы", "жалоб"),
        "complaint",
        "за год",
        "in a year",
        ("ни одной жалобы за год", "no complaints in a year"),
    ),
    "nps_last": nps_last,
    "csi_last": csi_last,
    "survey_answers_365": _count(
        "survey_answers_365",
        ("ответ", "ответа", "ответов"),
        "survey answer",
        "на опросы за год",
        "in a year",
        ("не отвечал на опросы за год", "no survey answers in a year"),
    ),
}
REQUIRES = {"recency_ratio": ("recency_days", "mean_gap_days")}
"""Features a sentence cannot do without besides its own."""
ALSO_READS = {
    "points_expiring_30": ("points_expire_in_days",),
    "points_expire_in_days": ("points_expiring_30",),
}
"""Features a sentence reads when they have a value."""
FALLBACK = "recency_days"
"""Every scored customer has one: said when no other sentence can be."""


def sentence(feature: str, values: Values) -> Sentence | None:
    """The sentence for ``feature`` with the customer's ``values`` (NaN: no value); None when a
    value it needs is missing (e.g. the usual cycle of a customer who bought on one day only)."""
    if any(math.isnan(values[k]) for k in (feature, *REQUIRES.get(feature, ()))):
        return None
    return SENTENCES[feature](values)


def explain(
    contributions: np.ndarray, names: Sequence[str], columns: Mapping[str, np.ndarray]
) -> tuple[list[list[str]], list[list[str]]]:
    """Reasons per customer (rows of ``contributions``, one column per name in ``names``, the
    bias column left out), in Russian and in English; ``columns`` holds each feature's values."""
    unknown = set(names) - SENTENCES.keys()
    if unknown:
        raise ValueError(f"no sentence for features {sorted(unknown)}")
    up = np.argsort(-contributions, axis=1, kind="stable")[:, : TOP * 2]
    down = np.argsort(contributions, axis=1, kind="stable")[:, :TOP]
    weight = np.take_along_axis(contributions, up, axis=1).tolist()
    keys = {n: (n, *REQUIRES.get(n, ()), *ALSO_READS.get(n, ())) for n in (*names, FALLBACK)}
    values = {k: columns[k].tolist() for n in keys for k in keys[n]}  # Python floats, once
    ru_all: list[list[str]] = []
    en_all: list[list[str]] = []
    for row, (ranked_up, ranked_down, w) in enumerate(
        zip(up.tolist(), down.tolist(), weight, strict=True)
    ):
        pushes_up = w[0] > 0
        ru: list[str] = []
        en: list[str] = []
        for rank, j in enumerate(ranked_up if pushes_up else ranked_down):
            if len(ru) == (TOP if pushes_up else 1) or (pushes_up and w[rank] <= 0):
                break
            feature = names[j]
            said = sentence(feature, {k: values[k][row] for k in keys[feature]})
            if said and said[1] not in en:
                ru.append(said[0])
                en.append(said[1])
        if not ru:
            said = sentence(FALLBACK, {FALLBACK: values[FALLBACK][row]})
            assert said is not None
            ru.append(said[0])
            en.append(said[1])
        ru_all.append(ru)
        en_all.append(en)
    return ru_all, en_all
