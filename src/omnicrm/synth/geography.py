"""The chain's footprint: cities, time zones, stores, pickup points and warehouses.

Russian zones have had fixed offsets since 2014, so local wall time is ``UTC + offset`` with no
daylight-saving rules; the IANA name is still written so importers convert properly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np


@dataclass(frozen=True)
class City:
    name: str
    region: str
    timezone: str
    utc_offset_h: int
    weight: float  # share of customers
    stores: int
    pickup_points: int


CITIES: tuple[City, ...] = (
    City("Москва", "Москва", "Europe/Moscow", 3, 0.27, 12, 5),
    City("Санкт-Петербург", "Санкт-Петербург", "Europe/Moscow", 3, 0.14, 7, 3),
    City("Казань", "Республика Татарстан", "Europe/Moscow", 3, 0.07, 3, 1),
    City("Нижний Новгород", "Нижегородская область", "Europe/Moscow", 3, 0.06, 3, 1),
    City("Самара", "Самарская область", "Europe/Samara", 4, 0.06, 3, 1),
    City("Екатеринбург", "Свердловская область", "Asia/Yekaterinburg", 5, 0.08, 4, 2),
    City("Омск", "Омская область", "Asia/Omsk", 6, 0.04, 2, 0),
    City("Новосибирск", "Новосибирская область", "Asia/Novosibirsk", 7, 0.08, 4, 2),
    City("Красноярск", "Красноярский край", "Asia/Krasnoyarsk", 7, 0.06, 3, 1),
    City("Владивосток", "Приморский край", "Asia/Vladivostok", 10, 0.06, 2, 1),
    City("Калининград", "Калининградская область", "Europe/Kaliningrad", 2, 0.08, 2, 1),
)

MALLS = (
    "ТЦ Европа", "ТЦ Галерея", "ТРК Радуга", "ТЦ Мега", "ТЦ Парк", "ТЦ Central", "ТРЦ Аура",
    "ТЦ Вива", "ТЦ Гранд", "ТЦ Июнь", "ТЦ Планета", "ТЦ Семья", "ТЦ Спутник", "ТЦ Горизонт",
)  # fmt: skip


@dataclass(frozen=True)
class Network:
    """All points of the chain as parallel arrays (index = point number)."""

    code: list[str]
    name: list[str]
    city: np.ndarray  # index into CITIES
    kind: list[str]  # store | pickup_point | warehouse
    opened_on: list[str]
    terminals: np.ndarray  # POS terminals (0 for non-stores)

    @property
    def offset_h(self) -> np.ndarray:
        return np.array([c.utc_offset_h for c in CITIES])[self.city]

    def of_kind(self, kind: str) -> np.ndarray:
        return np.array([i for i, k in enumerate(self.kind) if k == kind], dtype=np.int64)

    def by_city(self, kind: str) -> list[np.ndarray]:
        """Points of one kind per city, in point order."""
        idx = self.of_kind(kind)
        return [idx[self.city[idx] == c] for c in range(len(CITIES))]


def build_network(rng: np.random.Generator) -> Network:
    code, name, city, kind, opened, terminals = [], [], [], [], [], []
    n_store = n_pp = 0
    for ci, c in enumerate(CITIES):
        for _ in range(c.stores):
            n_store += 1
            code.append(f"S{n_store:03d}")
            name.append(f"Омни {c.name} {MALLS[(n_store * 5) % len(MALLS)]}")
            kind.append("store")
            terminals.append(int(rng.integers(2, 6)))
            opened.append(_opened(rng))
            city.append(ci)
        for _ in range(c.pickup_points):
            n_pp += 1
            code.append(f"PP{n_pp:02d}")
            name.append(f"Пункт выдачи {c.name} №{n_pp}")
            kind.append("pickup_point")
            terminals.append(0)
            opened.append(_opened(rng))
            city.append(ci)
    for ci, label in ((0, "Подольск"), (7, "Толмачёво")):
        code.append(f"WH{ci + 1}")
        name.append(f"Склад {label}")
        kind.append("warehouse")
        terminals.append(0)
        opened.append("2018-03-01")
        city.append(ci)
    return Network(code, name, np.array(city), kind, opened, np.array(terminals))


def _opened(rng: np.random.Generator) -> str:
    d = date(2012, 1, 1).toordinal() + int(rng.integers(0, 12 * 365))
    return date.fromordinal(d).isoformat()
