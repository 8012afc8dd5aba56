"""Reference lookups validators need: store code -> (id, time zone), sku -> product id, and the
level codes of the loyalty program a registry migrates into.

Bulk imports load both maps once per file; the streaming path keeps a catalog per engine and asks
the database for a code it has not seen yet (a store opened this morning must not need a restart).
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from omnicrm.loyalty.migration import program_in_force
from omnicrm.store.schema import Product, Store


@dataclass(frozen=True, slots=True)
class StoreRef:
    id: int
    timezone: str


class Catalog:
    """Maps from source codes to ids. ``fetch_*`` are called on a miss when given."""

    def __init__(
        self,
        stores: dict[str, StoreRef],
        products: dict[str, int],
        fetch_store: Callable[[str], StoreRef | None] | None = None,
        fetch_product: Callable[[str], int | None] | None = None,
        levels: frozenset[str] | None = None,
        fetch_levels: Callable[[], frozenset[str] | None] | None = None,
    ) -> None:
        self.stores = stores
        self.products = products
        self._fetch_store = fetch_store
        self._fetch_product = fetch_product
        self._levels = levels
        self._fetch_levels = fetch_levels

    @property
    def levels(self) -> frozenset[str] | None:
        """The level codes of the program in force; None when no program is loaded."""
        if self._fetch_levels is not None:
            return self._fetch_levels()
        return self._levels

    def store(self, code: str) -> StoreRef | None:
        ref = self.stores.get(code)
        if ref is None and self._fetch_store is not None:
            ref = self._fetch_store(code)
            if ref is not None:
                self.stores[code] = ref
        return ref

    def product(self, sku: str) -> int | None:
        product_id = self.products.get(sku)
        if product_id is None and self._fetch_product is not None:
            product_id = self._fetch_product(sku)
            if product_id is not None:
                self.products[sku] = product_id
        return product_id


def load_catalog(conn: Connection) -> Catalog:
    """Every store and product, for a bulk import."""
    stores = {
        code: StoreRef(id_, tz)
        for code, id_, tz in conn.execute(select(Store.code, Store.id, Store.timezone))
    }
    products = {sku: id_ for sku, id_ in conn.execute(select(Product.sku, Product.id))}
    return Catalog(stores, products, levels=program_levels(conn))


def program_levels(conn: Connection) -> frozenset[str] | None:
    """Level codes of the program a registry migrates into; None when no program is loaded."""
    found = program_in_force(conn)
    if found is None:
        return None
    levels = found[0].levels
    return frozenset(tier.code for tier in levels.tiers) if levels else frozenset()


def live_catalog(engine: Engine) -> Catalog:
    """An initially empty catalog that fills itself from the database, for streaming."""

    def fetch_store(code: str) -> StoreRef | None:
        with engine.connect().execution_options(readonly=True) as conn:
            row = conn.execute(select(Store.id, Store.timezone).where(Store.code == code)).first()
        return StoreRef(row[0], row[1]) if row else None

    def fetch_product(sku: str) -> int | None:
        with engine.connect().execution_options(readonly=True) as conn:
            return conn.scalar(select(Product.id).where(Product.sku == sku))

    def fetch_levels() -> frozenset[str] | None:
        with engine.connect().execution_options(readonly=True) as conn:
            return program_levels(conn)

    return Catalog({}, {}, fetch_store, fetch_product, fetch_levels=fetch_levels)
