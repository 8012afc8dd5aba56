"""Names and descriptions of clusters, in Russian and English, from their distinguishing features.

A cluster is distinguished by the features whose mean in it differs most from the overall mean,
measured in overall standard deviations (the standardised centre, ``z``). The name is the phrases
of the two largest ``|z|`` ("Часто покупают, крупный чек" / "Frequent, large receipts"); the
description gives the three largest with the cluster's mean against the overall one. A pure
function of numbers: testable without a model.
"""

from dataclasses import dataclass

import numpy as np

PHRASES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    # feature: ((high ru, high en), (low ru, low en))
    "recency_days": (("давно не покупали", "lapsed"), ("покупали недавно", "recent buyers")),
    "frequency": (("часто покупают", "frequent"), ("покупают редко", "infrequent")),
    "monetary": (("тратят много", "high spend"), ("тратят мало", "low spend")),
    "avg_receipt": (("крупный чек", "large receipts"), ("небольшой чек", "small receipts")),
    "items_per_order": (
        ("много товаров в чеке", "many items per order"),
        ("мало товаров в чеке", "few items per order"),
    ),
    "online_share": (("покупают онлайн", "online shoppers"), ("покупают в магазине", "in-store")),
    "discount_share": (
        ("любят скидки", "discount seekers"),
        ("покупают без скидок", "full price"),
    ),
    "categories": (
        ("покупают в разных категориях", "broad assortment"),
        ("покупают в одной-двух категориях", "narrow assortment"),
    ),
}
LABELS = {
    "recency_days": ("дней с последней покупки", "days since last purchase"),
    "frequency": ("покупок за год", "purchases a year"),
    "monetary": ("сумма за год", "spend a year"),
    "avg_receipt": ("средний чек", "average receipt"),
    "items_per_order": ("товаров в чеке", "items per order"),
    "online_share": ("доля онлайн", "online share"),
    "discount_share": ("доля скидки", "discount share"),
    "categories": ("категорий", "categories"),
}
MONEY = {"monetary", "avg_receipt"}
SHARES = {"online_share", "discount_share"}


@dataclass(frozen=True, slots=True)
class Description:
    name_ru: str
    name_en: str
    text_ru: str
    text_en: str
    features: tuple[str, ...]


def _value(feature: str, value: float, decimal: str) -> str:
    if feature in SHARES:
        return f"{value * 100:.0f}%"
    text = f"{value / 100:,.0f}" if feature in MONEY else f"{value:,.1f}"
    return text.replace(",", " ").replace(".", decimal)


def describe(
    features: list[str], z: np.ndarray, means: np.ndarray, overall: np.ndarray
) -> Description:
    """One cluster: ``z`` its standardised centre, ``means`` its raw means, ``overall`` everyone's
    (money in minor units, shown in major)."""
    order = [int(i) for i in np.argsort(-np.abs(z), kind="stable")]
    phrases = [PHRASES[features[i]][0 if z[i] > 0 else 1] for i in order]
    texts = {
        lang: "; ".join(
            f"{LABELS[features[i]][lang]} {_value(features[i], means[i], sep)} "
            f"{'против' if lang == 0 else 'vs'} {_value(features[i], overall[i], sep)}"
            f"{' в среднем' if lang == 0 else ' on average'}"
            for i in order[:3]
        )
        for lang, sep in ((0, ","), (1, "."))
    }
    ru = ", ".join(p[0] for p in phrases[:2])
    return Description(
        ru[:1].upper() + ru[1:],
        ", ".join(p[1] for p in phrases[:2]).capitalize(),
        texts[0],
        texts[1],
        tuple(features[i] for i in order[:3]),
    )


def name_all(
    features: list[str], z: np.ndarray, means: np.ndarray, overall: np.ndarray
) -> list[Description]:
    """Every cluster (rows of ``z`` and ``means``); a name two clusters share gets its third
    feature added, then a number, so that every name is unique."""
    out = [describe(features, z[c], means[c], overall) for c in range(len(z))]
    seen: set[str] = set()
    for c, d in enumerate(out):
        if d.name_en in seen:
            third = int(np.argsort(-np.abs(z[c]), kind="stable")[2])
            ru, en = PHRASES[features[third]][0 if z[c, third] > 0 else 1]
            d = Description(f"{d.name_ru}, {ru}", f"{d.name_en}, {en}", *_rest(d))
            if d.name_en in seen:
                d = Description(f"{d.name_ru} ({c + 1})", f"{d.name_en} ({c + 1})", *_rest(d))
            out[c] = d
        seen.add(d.name_en)
    return out


def _rest(d: Description) -> tuple[str, str, tuple[str, ...]]:
    return d.text_ru, d.text_en, d.features
