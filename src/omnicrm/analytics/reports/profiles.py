"""Age bands: a pure rule, joined in SQL as a small table of ages, and the step that labels each
person with theirs at the period end."""

import pyarrow as pa

from omnicrm.analytics.steps import Step

BANDS = ((0, "under 25"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55+"))


def age_band(age: int) -> str:
    """The band an age (in whole years) falls in."""
    return [label for start, label in BANDS if age >= start][-1]


def age_band_table() -> pa.Table:
    ages = list(range(121))
    return pa.table({"age": ages, "band": [age_band(a) for a in ages]})


PEOPLE_BANDS: Step = (
    "people_bands",
    """SELECT p.id, b.band FROM people p
       JOIN age_bands b ON b.age = date_part('year', age(CAST($until AS TIMESTAMP),
                                                          CAST(p.birth_date AS TIMESTAMP)))
       WHERE p.birth_date IS NOT NULL""",
)
"""Needs ``age_bands`` registered (``age_band_table``)."""
