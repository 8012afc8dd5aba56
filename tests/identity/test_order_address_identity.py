"""A web order's structured delivery address is identity evidence (issue 14, item 1): the
buyer, known only by an e-mail and a name, is one person with a registry member whose surname
is mistyped, because both give the same home; without the address the same two stay apart."""

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from omnicrm.cli import app
from omnicrm.identity.profiles import profiles
from omnicrm.store.schema import Customer, Order

MEMBER = (
    "2099999999996,2024-01-01T10:00:00+10:00,,Petrovva,Olga,,1985-03-14,F,,,Sydney,,,,,"
    "NSW,2000,Kent St,77,3,\n"
)  # the registry's columns as the generator writes them, the surname mistyped
HOME = {"region": "NSW", "city": "Sydney", "postcode": "2000", "street": "Kent Street",
        "house": "77", "flat": "Unit 3"}  # fmt: skip


def _order(home: dict[str, str]) -> dict:
    return {
        "order_id": "W900",
        "created_at": "2025-03-01T12:04:11+10:00",
        "customer": {"email": "olga.petrova@mail.ru", "name": "Olga Petrova"},
        "items": [{"line_no": 1, "sku": "SKU1", "qty": 1, "price": "1990.00"}],
        "payments": [{"method": "card", "amount": "1990.00"}],
        "delivery": {"type": "courier", "cost": "0.00", **home},  # no one-line address
        "status_history": [{"status": "created", "at": "2025-03-01T12:04:11+10:00"}],
    }


def _cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _load(engine: Engine, data: Path, home: dict[str, str]) -> str:
    """The generator's hard Latin registry (the model's training data) plus Olga, and her web
    order; imported through the CLI."""
    db = engine.url.render_as_string(hide_password=False)
    _cli("synth", str(data), "--customers", "400", "--seed", "3", "--hard-identity")
    (data / "stores.csv").write_text(
        "store_code,name,city,region,timezone,kind,opened_on\n"
        "S001,Omni Sydney,Sydney,NSW,Australia/Sydney,store,2020-01-01\n",
        encoding="utf-8",
    )
    (data / "products.csv").write_text(
        "sku,name,category_path,brand,price_minor,currency\nSKU1,Shoes,Shoes/Women,,199000,RUB\n",
        encoding="utf-8",
    )
    with (data / "loyalty_members.csv").open("a", encoding="utf-8") as registry:
        registry.write(MEMBER)
    (data / "web_orders.jsonl").write_text(json.dumps(_order(home)) + "\n", encoding="utf-8")
    for name in ("stores.csv", "products.csv", "loyalty_members.csv", "web_orders.jsonl"):
        _cli("import", str(data / name), "--db", db)
    return db


def _owners(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        member = conn.scalar(select(Customer.id).where(Customer.source_key == "2099999999996"))
        buyer = conn.scalar(select(Order.customer_id).where(Order.source_key == "W900"))
    return member, buyer


@pytest.mark.parametrize(("home", "one"), [(HOME, True), ({}, False)], ids=["address", "none"])
def test_the_orders_address_makes_the_buyer_the_member(
    engine: Engine, tmp_path: Path, home: dict[str, str], one: bool
) -> None:
    db = _load(engine, tmp_path / "data", home)
    _cli("identity", "resolve", "--db", db)  # deterministic: the buyer gets her own profile
    member, buyer = _owners(engine)
    assert buyer is not None
    assert buyer != member
    compared = {r["unique_id"]: r for r in profiles(engine).to_pylist()}
    parts = ("street", "house", "flat", "postcode")
    evidence = tuple(compared[buyer][part] for part in parts)
    assert evidence == (tuple(compared[member][part] for part in parts) if home else (None,) * 4)
    assert compared[member]["street"] == "kent"
    _cli("identity", "resolve", "--probabilistic", "--db", db)
    member, buyer = _owners(engine)
    assert (buyer == member) is one
