"""Reference data is upserted, not only appended: a re-sent store or product with changed fields
updates the row (its id stays, so orders keep pointing at it). Volumes are small (thousands), so
this goes through SQLAlchemy Core rather than the bulk sinks."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from omnicrm.ingest.canonical import ProductRecord, StoreRecord
from omnicrm.ingest.outcome import Outcome
from omnicrm.store.schema import Brand, Category, Product, Store

STORE_FIELDS = ("name", "city", "region", "timezone", "kind", "opened_on")
PRODUCT_FIELDS = ("name", "category_id", "brand_id", "price_minor", "currency")


def upsert_stores(conn: Connection, records: Sequence[StoreRecord]) -> list[Outcome]:
    values = [
        {"code": r.source_key, **{name: getattr(r, name) for name in STORE_FIELDS}} for r in records
    ]
    return _upsert(conn, Store, Store.code, "code", STORE_FIELDS, values)


def upsert_products(conn: Connection, records: Sequence[ProductRecord]) -> list[Outcome]:
    categories = {path: id_ for path, id_ in conn.execute(select(Category.path, Category.id))}
    brands = {name: id_ for name, id_ in conn.execute(select(Brand.name, Brand.id))}
    values = [
        {
            "sku": r.source_key,
            "name": r.name,
            "category_id": _category(conn, categories, r.category_path),
            "brand_id": _brand(conn, brands, r.brand),
            "price_minor": r.price_minor,
            "currency": r.currency,
        }
        for r in records
    ]
    return _upsert(conn, Product, Product.sku, "sku", PRODUCT_FIELDS, values)


def _category(conn: Connection, known: dict[str, int], parts: tuple[str, ...]) -> int:
    """The id of the category at ``parts``, creating it and any missing ancestors."""
    parent_id = None
    for depth in range(1, len(parts) + 1):
        path = "/".join(parts[:depth])
        if path not in known:
            known[path] = conn.execute(
                insert(Category)
                .values(parent_id=parent_id, name=parts[depth - 1], path=path)
                .returning(Category.id)
            ).scalar_one()
        parent_id = known[path]
    return parent_id  # type: ignore[return-value]


def _brand(conn: Connection, known: dict[str, int], name: str | None) -> int | None:
    if name is None:
        return None
    if name not in known:
        known[name] = conn.execute(insert(Brand).values(name=name).returning(Brand.id)).scalar_one()
    return known[name]


def _upsert(
    conn: Connection,
    model: Any,
    key_column: Any,
    key: str,
    fields: Sequence[str],
    values: list[dict],
) -> list[Outcome]:
    """Insert new keys, update changed rows, leave equal ones (duplicates)."""
    columns = [getattr(model, f) for f in fields]
    query = select(key_column, model.id, *columns).where(key_column.in_([v[key] for v in values]))
    stored = {row[0]: (row[1], tuple(row[2:])) for row in conn.execute(query)}
    outcomes = []
    for value in values:
        current = tuple(value[f] for f in fields)
        found = stored.get(value[key])
        if found is None:
            id_ = conn.execute(insert(model).values(**value).returning(model.id)).scalar_one()
            outcomes.append(Outcome("inserted", id_))
        elif found[1] == current:
            id_ = found[0]
            outcomes.append(Outcome("duplicate", id_))
        else:
            id_ = found[0]
            conn.execute(update(model).where(model.id == id_).values(**value))
            outcomes.append(Outcome("updated", id_))
        stored[value[key]] = (id_, current)
    return outcomes
