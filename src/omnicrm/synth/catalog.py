"""The product catalogue: a category tree, brands built from syllables, SKUs with prices.

SKUs are laid out grouped by root category and sorted by price inside it, so that behaviour can pick
"a cheaper or dearer item of this root" with one index computation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# root -> sub -> [(leaf, typical price in rubles)]
TREE: dict[str, dict[str, list[tuple[str, int]]]] = {
    "Обувь": {
        "Женская": [("Туфли", 4990), ("Сапоги", 8990), ("Кроссовки", 5490), ("Балетки", 2990)],
        "Мужская": [("Ботинки", 6990), ("Кеды", 3490), ("Мокасины", 4590)],
        "Детская": [("Сандалии", 1990), ("Ботинки детские", 3290)],
    },
    "Одежда": {
        "Женская": [("Платье", 3990), ("Блузка", 2490), ("Юбка", 2290), ("Пальто", 11990)],
        "Мужская": [("Рубашка", 2590), ("Джинсы", 3490), ("Куртка", 8990), ("Свитер", 3290)],
        "Детская": [("Футболка детская", 690), ("Комбинезон", 4590), ("Школьная форма", 3990)],
    },
    "Игрушки": {
        "Конструкторы": [("Конструктор", 2990), ("Набор кубиков", 990)],
        "Куклы": [("Кукла", 1890), ("Кукольный домик", 5490)],
        "Настольные игры": [("Настольная игра", 1490), ("Пазл", 590)],
        "Мягкие игрушки": [("Мягкая игрушка", 990)],
    },
    "Канцтовары": {
        "Школа": [("Рюкзак школьный", 3490), ("Пенал", 490), ("Тетрадь", 59), ("Дневник", 190)],
        "Письмо": [("Ручка", 89), ("Набор карандашей", 290), ("Маркеры", 390)],
    },
    "Косметика": {
        "Уход": [("Крем для лица", 890), ("Шампунь", 390), ("Бальзам", 350)],
        "Парфюмерия": [("Туалетная вода", 2990), ("Парфюм", 5990)],
        "Подарочные наборы": [("Подарочный набор", 1990)],
    },
    "Дом": {
        "Кухня": [("Сковорода", 2490), ("Кастрюля", 1990), ("Набор ножей", 2990)],
        "Текстиль": [("Плед", 1790), ("Полотенце", 490), ("Постельное бельё", 3490)],
        "Декор": [("Свеча", 390), ("Ваза", 990), ("Гирлянда", 790), ("Ёлочная игрушка", 190)],
    },
    "Спорт": {
        "Фитнес": [("Коврик для йоги", 1290), ("Гантели", 1990), ("Скакалка", 390)],
        "Туризм": [("Палатка", 7990), ("Термос", 1490), ("Спальник", 4990)],
    },
    "Электроника": {
        "Аудио": [("Наушники", 3990), ("Колонка", 4990)],
        "Аксессуары": [("Чехол для телефона", 690), ("Зарядное устройство", 1290), ("Кабель", 390)],
    },
}

# Product lines read the same whatever the gender of the noun ("Туфли Ладина Комфорт Л204").
# fmt: off
SERIES = [
    "Классик", "Комфорт", "Лайт", "Премиум", "Базис", "Стиль", "Сити", "Кидс", "Про", "Эко",
    "Макс", "Мини", "Нова", "Практик", "Уют", "Спорт", "Зима", "Лето", "Праздник",
]
# fmt: on
# fmt: off
BRAND_HEADS = [
    "Сол", "Бел", "Вер", "Мил", "Зар", "Лад", "Рус", "Сев", "Яр", "Дар", "Лис", "Снеж", "Вол",
    "Гор", "Луч", "Тёп", "Рад", "Мир", "Звен", "Бор", "Лён", "Ник", "Крас", "Тих", "Зим", "Лет",
    "Свет", "Сад", "Ягод", "Кедр",
]
# fmt: on
# fmt: off
BRAND_TAILS = [
    "ина", "ек", "ица", "ория", "слав", "ана", "ель", "ушка", "ино", "ада", "ион", "ита", "ка",
    "ис", "ея", "ок",
]
# fmt: on


@dataclass(frozen=True)
class Catalog:
    """SKUs as parallel arrays; ``root_lo[r]:root_hi[r]`` is root r's SKU range (price-sorted)."""

    sku: list[str]
    name: list[str]
    category_path: list[str]
    brand: list[str]
    price_minor: np.ndarray
    root: np.ndarray
    roots: list[str]
    root_lo: np.ndarray
    root_hi: np.ndarray
    popularity: np.ndarray  # within-root sampling weights, sums to 1 per root

    def __len__(self) -> int:
        return len(self.sku)


def build_catalog(rng: np.random.Generator, n_skus: int) -> Catalog:
    brands = _brands(rng, 160)
    leaves = [
        (root, sub, leaf, price)
        for root, subs in TREE.items()
        for sub, items in subs.items()
        for leaf, price in items
    ]
    roots = list(TREE)
    per_leaf = np.full(len(leaves), n_skus // len(leaves))
    per_leaf[: n_skus % len(leaves)] += 1
    rows: list[tuple[int, str, str, str, int]] = []
    for (root, sub, leaf, price), count in zip(leaves, per_leaf, strict=True):
        tier = rng.lognormal(0.0, 0.45, count)
        leaf_brands = rng.choice(len(brands), size=count)
        adj = rng.choice(len(SERIES), size=count)
        for k in range(count):
            rub = _shelf_price(price * tier[k])
            brand = brands[leaf_brands[k]]
            model = f"{brand[:1]}{rng.integers(100, 999)}"
            rows.append(
                (
                    roots.index(root),
                    f"{leaf} {brand} {SERIES[adj[k]]} {model}",
                    f"{root}/{sub}/{leaf}",
                    brand,
                    rub * 100 + (90 if rub < 1000 and k % 3 == 0 else 0),
                )
            )
    rows.sort(key=lambda r: (r[0], r[4], r[1]))
    root = np.array([r[0] for r in rows])
    price = np.array([r[4] for r in rows], dtype=np.int64)
    lo = np.searchsorted(root, np.arange(len(roots)), side="left")
    hi = np.searchsorted(root, np.arange(len(roots)), side="right")
    popularity = np.empty(len(rows))
    for r in range(len(roots)):
        ranks = rng.permutation(hi[r] - lo[r]) + 1.0
        w = 1.0 / ranks**0.9  # Zipf-like: a few best sellers per root, a long tail
        popularity[lo[r] : hi[r]] = w / w.sum()
    order = rng.permutation(len(rows))  # SKU numbers do not reveal the layout
    sku_no = np.empty(len(rows), dtype=np.int64)
    sku_no[order] = np.arange(len(rows))
    return Catalog(
        sku=[f"SKU{100000 + int(n)}" for n in sku_no],
        name=[r[1] for r in rows],
        category_path=[r[2] for r in rows],
        brand=[r[3] for r in rows],
        price_minor=price,
        root=root,
        roots=roots,
        root_lo=lo,
        root_hi=hi,
        popularity=popularity,
    )


def _shelf_price(rub: float) -> int:
    """Prices as shops print them: 4990, 389, 59."""
    if rub >= 1000:
        return int(round(rub, -2)) - 10
    if rub >= 100:
        return int(round(rub, -1)) - 1
    return max(19, round(rub))


def _brands(rng: np.random.Generator, n: int) -> list[str]:
    pairs = [h + t for h in BRAND_HEADS for t in BRAND_TAILS]
    picked = rng.choice(len(pairs), size=min(n, len(pairs)), replace=False)
    return sorted(pairs[i] for i in picked)
