"""What the probabilistic stage compares of each live profile, read from the store in a few plain
queries and folded into comparison columns.

Per profile: canonical Latin first and last name (``translit``) and the key of the first name's
full form (``diminutives``: Саша and Александр agree); the surname's initial (a marketplace shows
"Анна И."); the birth date as its eight digits (a date typed wrong, "1985-02-30", kept raw at
import, still compares digit by digit); gender; the address the member registered (registry or
enrolment), or else the structured address of its latest order that gave one (web, app, call
centre), or else the free-text line its latest delivery went to (``addresses``: region, city,
street, house, flat, postcode); and the phone digits a masked phone still shows (operator code
and last two digits).

Every column is built as an explicit ``pa.string()``: a store whose addresses are all empty would
otherwise give Arrow's null type, on which DuckDB's ``jaro_winkler`` fails.
"""

import re

import duckdb
import pyarrow as pa
from sqlalchemy import Engine

from omnicrm.identity.addresses import normalise, parse_line
from omnicrm.identity.arrow_io import read_table
from omnicrm.identity.diminutives import name_key
from omnicrm.identity.translit import canonical_name, split_full_name

TEXT_COLUMNS = (
    "first_name", "last_name", "first_key", "last_initial", "dob", "gender", "region", "city",
    "street", "house", "flat", "postcode", "phone_key", "raw_first", "raw_last",
)  # fmt: skip
COMPARED = pa.schema([("unique_id", pa.int64()), *((c, pa.string()) for c in TEXT_COLUMNS)])
_PEOPLE = pa.schema(
    [("customer_id", pa.int64())]
    + [(c, pa.string()) for c in ("first_name", "last_name", "birth_date", "birth_date_raw")]
    + [(c, pa.string()) for c in ("gender", "city", "contact", "phone")]
    + [(c, pa.string()) for c in ("region", "a_city", "street", "house", "flat", "postcode")]
    + [("address_raw", pa.string()), ("delivery", pa.string())]
)
_DMY = re.compile(r"^\s*(\d{1,2})[./ -](\d{1,2})[./ -](\d{4})\s*$")


def read_profiles(engine: Engine) -> pa.Table:
    """One row per live profile: its registry facts (or the name its orders gave), its best
    structured address (registered before ordered; of orders, the latest), its latest delivery
    line and the phone its records carried most often (a quarantined family phone says nothing
    about who is who). Plain reads, joined in DuckDB."""
    reads = {
        "people": (
            """SELECT id, first_name, last_name, birth_date, birth_date_raw, gender, city
               FROM customers WHERE merged_into_id IS NULL""",
            [("customer_id", pa.int64())]
            + [(c, pa.string()) for c in ("first_name", "last_name", "birth_date")]
            + [(c, pa.string()) for c in ("birth_date_raw", "gender", "city")],
        ),
        "names": (
            """SELECT customer_id, min(contact_name) FROM orders
               WHERE customer_id IS NOT NULL AND contact_name IS NOT NULL GROUP BY customer_id""",
            [("customer_id", pa.int64()), ("contact", pa.string())],
        ),
        "phones": (
            """SELECT o.customer_id, ri.value, count(*) FROM record_identifiers ri
               JOIN orders o ON ri.record_type = 'order' AND o.id = ri.record_id
               WHERE ri.kind IN ('phone', 'phone_mask') AND o.customer_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM quarantined_identifiers q
                                 WHERE q.kind = ri.kind AND q.value = ri.value)
               GROUP BY o.customer_id, ri.value
               UNION ALL
               SELECT customer_id, value, 1000000 FROM identifiers
               WHERE kind = 'phone' AND customer_id IS NOT NULL""",
            [("customer_id", pa.int64()), ("phone", pa.string()), ("n", pa.int64())],
        ),
        "places": (
            """SELECT record_id, 0, 0, region, city, street, house, flat, postcode, raw
               FROM record_addresses WHERE record_type = 'member'
               UNION ALL
               SELECT o.customer_id, 1, o.id, a.region, a.city, a.street, a.house, a.flat,
                      a.postcode, a.raw
               FROM record_addresses a JOIN orders o ON a.record_type = 'order'
                                                    AND o.id = a.record_id
               WHERE o.customer_id IS NOT NULL""",
            [("customer_id", pa.int64()), ("rank", pa.int64()), ("seq", pa.int64())]
            + [(c, pa.string()) for c in ("region", "a_city", "street", "house", "flat")]
            + [("postcode", pa.string()), ("address_raw", pa.string())],
        ),
        "deliveries": (
            """SELECT o.customer_id, max(f.address) FROM fulfilments f
               JOIN orders o ON o.id = f.order_id
               WHERE o.customer_id IS NOT NULL AND f.address IS NOT NULL GROUP BY o.customer_id""",
            [("customer_id", pa.int64()), ("delivery", pa.string())],
        ),
    }
    db = duckdb.connect()
    with engine.connect() as conn:
        for name, (sql, schema) in reads.items():
            db.register(name, read_table(conn, sql, pa.schema(schema)))
    return (
        db.execute(
            """SELECT p.customer_id, p.first_name, p.last_name, p.birth_date, p.birth_date_raw,
                  p.gender, p.city, n.contact, b.phone, a.region, a.a_city, a.street, a.house,
                  a.flat, a.postcode, a.address_raw, d.delivery
           FROM people p LEFT JOIN names n USING (customer_id)
           LEFT JOIN (SELECT customer_id, arg_max(phone, (n, phone)) AS phone FROM phones
                      GROUP BY customer_id) b USING (customer_id)
           LEFT JOIN (SELECT * EXCLUDE (rank, seq) FROM places QUALIFY row_number()
                      OVER (PARTITION BY customer_id ORDER BY rank, seq DESC) = 1) a
                USING (customer_id)
           LEFT JOIN deliveries d USING (customer_id)
           ORDER BY p.customer_id"""
        )
        .to_arrow_table()
        .cast(_PEOPLE)
    )


def phone_key(value: str | None) -> str | None:
    """What a masked Russian phone still shows: operator code and last two digits."""
    if value and value.startswith("+7") and len(value) == 12:
        return value[2:5] + value[-2:]
    return None


def birth_digits(day: str | None, raw: str | None) -> str | None:
    """A birth date as ``YYYYMMDD`` digits: from the date, or from what was typed when it was no
    date (``"30.02.1985"`` and ``"1985-02-30"`` both ``"19850230"``), for Levenshtein."""
    if day:
        return day[:10].replace("-", "")
    if not raw:
        return None
    m = _DMY.match(raw)
    if m:
        return f"{m[3]}{int(m[2]):02d}{int(m[1]):02d}"
    digits = re.sub(r"\D", "", raw)
    return digits or None


def _names(first: str | None, last: str | None, contact: str | None) -> tuple[str, str, str]:
    if not first and not last and contact:
        first, last = split_full_name(contact)
    return canonical_name(first), canonical_name(last), (first or "") + "\0" + (last or "")


def compared_columns(raw: pa.Table) -> pa.Table:
    """The comparison columns of every profile with a name (explicitly typed)."""
    out: dict[str, list] = {name: [] for name in COMPARED.names}
    for row in raw.to_pylist():
        fn, ln, spelled = _names(row["first_name"], row["last_name"], row["contact"])
        if not fn and not ln:
            continue
        raw_first, raw_last = spelled.split("\0")
        initial = ln[:1] or None
        if raw_last and len(raw_last.strip().rstrip(".")) == 1:
            ln = ""  # "Анна И.": only the initial is known; the surname is missing, not different
        place = normalise(
            region=row["region"], city=row["a_city"] or row["city"], street=row["street"],
            house=row["house"], flat=row["flat"], code=row["postcode"], raw=row["address_raw"],
        )  # fmt: skip
        if not place.street and row["delivery"]:
            place = parse_line(row["delivery"])
        values = {
            "unique_id": row["customer_id"],
            "first_name": fn or None,
            "last_name": ln or None,
            "first_key": name_key(raw_first) if fn else None,
            "last_initial": initial,
            "dob": birth_digits(row["birth_date"], row["birth_date_raw"]),
            "gender": row["gender"] or None,
            "region": place.region,
            "city": place.city,
            "street": place.street,
            "house": place.house,
            "flat": place.flat,
            "postcode": place.postcode,
            "phone_key": phone_key(row["phone"]),
            "raw_first": raw_first or None,
            "raw_last": raw_last or None,
        }
        for name, value in values.items():
            out[name].append(value)
    return pa.table(out, schema=COMPARED)


def profiles(engine: Engine) -> pa.Table:
    return compared_columns(read_profiles(engine))
