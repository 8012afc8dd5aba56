"""Reference files: stores.csv and products.csv, straight from the world's network and catalogue."""

from __future__ import annotations

import pyarrow as pa

from omnicrm.synth.geography import CITIES
from omnicrm.synth.world import World


def reference_tables(world: World) -> tuple[pa.Table, pa.Table]:
    net, cat = world.net, world.cat
    stores = pa.table(
        {
            "store_code": net.code,
            "name": net.name,
            "city": [CITIES[c].name for c in net.city],
            "region": [CITIES[c].region for c in net.city],
            "timezone": [CITIES[c].timezone for c in net.city],
            "kind": net.kind,
            "opened_on": net.opened_on,
        }
    )
    order = sorted(range(len(cat)), key=lambda i: cat.sku[i])
    products = pa.table(
        {
            "sku": [cat.sku[i] for i in order],
            "name": [cat.name[i] for i in order],
            "category_path": [cat.category_path[i] for i in order],
            "brand": [cat.brand[i] for i in order],
            "price_minor": pa.array([int(cat.price_minor[i]) for i in order], pa.int64()),
            "currency": ["RUB"] * len(cat),
        }
    )
    return stores, products
