"""Personal-data rights end to end (S2), on SQLite and PostgreSQL: a person imported from every
channel and merged from two registry rows is exported whole, then erased so that no value of
theirs is left in any table while revenue adds up, and a re-import does not bring them back."""

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from ingest_samples import MEMBERS, WEB_ORDER, write_csv, write_jsonl
from sqlalchemy import Engine, String, Text, func, select
from sqlalchemy.types import JSON

from omnicrm.analytics.kpi import kpis
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.service import run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.bulk import import_directory, import_file
from omnicrm.loyalty.migration import load_program
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.predict import models
from omnicrm.store.db import read_session
from omnicrm.store.schema import Base, Customer, Merge, Order
from omnicrm.store.schema.predictions import CustomerPrediction
from support import api_client

ANNA_CARD, SECOND_CARD = "2000000123456", "2000000999999"
ANNA = [
    ANNA_CARD, SECOND_CARD, "Иванова", "Анна", "Анна Иванова",
    "+79162206393", "8 916 220 63 93", "89162206393", "+7 (916) 220-63-93",
    "anna.ivanova@mail.ru", "Anna.Ivanova@Mail.ru", "c-9f2",
    "Москва, ул. Ленина, д. 5, кв. 12", "Москва, ул. Мира, 1", "Спасибо",
]  # fmt: skip
"""Every spelling of Anna the exports carry: identifiers as sent and normalised, names, the
cookie, her delivery addresses and her survey comment."""
PERIOD = Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


def _registry(tmp_path: Path) -> Path:
    """The sample registry plus a second card Anna registered with the same phone and e-mail."""
    again = [*MEMBERS[1]]
    again[0] = SECOND_CARD
    return write_csv(tmp_path / "loyalty_members.csv", [*MEMBERS, again])


def _shop(engine: Engine, exports: Path, tmp_path: Path) -> int:
    """Every channel imported (the marketplace buyer is nobody known: left out) and resolved,
    Anna's web order with its address in parts; Anna's live profile id."""
    (exports / "marketplace_orders.csv").unlink()
    (exports / "loyalty_members.csv").unlink()
    parts = {"city": "Москва", "street": "ул. Ленина", "house": "5", "flat": "12"}
    web = {**WEB_ORDER, "delivery": {**WEB_ORDER["delivery"], **parts}}  # kept as her address
    write_jsonl(exports / "web_orders.jsonl", [web])
    load_program(engine, read_program_file(EXAMPLES / "retail.json"))
    import_directory(engine, exports)
    import_file(engine, _registry(tmp_path))
    resolve_all(engine)
    with read_session(engine) as s:
        anna = s.scalar(select(Customer.id).where(Customer.source_key == ANNA_CARD))
        assert s.scalar(select(func.count()).select_from(Merge)) >= 1
        return s.scalar(select(Customer.merged_into_id).where(Customer.id == anna)) or anna


def _values_left(engine: Engine, values: list[str]) -> dict[str, list[str]]:
    """Every text and JSON cell of every table that still holds one of ``values``."""
    wanted = [v.casefold() for v in values]
    found: dict[str, list[str]] = {}
    with read_session(engine) as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | JSON)]
            for column in columns:
                for (cell,) in s.execute(select(column).where(column.is_not(None))):
                    text = (
                        json.dumps(cell, ensure_ascii=False) if not isinstance(cell, str) else cell
                    )
                    for value in wanted:
                        if value in text.casefold():
                            found.setdefault(value, []).append(f"{table.name}.{column.name}")
    return found


def _revenue(engine: Engine, snapshot_path: Path) -> tuple[int, dict]:
    with read_session(engine) as s:
        total = s.scalar(select(func.sum(Order.total_minor)))
    snapshot = Snapshot(snapshot_path)
    snapshot.refresh(engine)
    report = run(snapshot, kpis, Query(PERIOD))
    figures = {r["kpi"]: r["value"] for r in report.records() if r["group"] == "all"}
    return total, {k: v for k, v in figures.items() if k in ("revenue", "receipts", "orders")}


def test_export_holds_every_order_of_every_merged_profile(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    anna = _shop(engine, exports, tmp_path)
    with read_session(engine) as s:
        profiles = s.scalars(
            select(Customer.id).where((Customer.id == anna) | (Customer.merged_into_id == anna))
        ).all()
        orders = set(s.scalars(select(Order.source_key).where(Order.customer_id.in_(profiles))))
    assert len(profiles) == 2
    assert orders == {"S002/1/0001", "W1", "CC1"}
    client = api_client(engine, ("privacy:manage",))
    body = client.get(f"/api/v1/privacy/customers/{profiles[-1]}/export").json()
    assert body["customer_id"] == anna
    assert sorted(body["profile_ids"]) == sorted(profiles)
    tables = body["tables"]
    assert {o["source_key"] for o in tables["orders"]} == orders
    assert {r["order_id"] for r in tables["order_lines"]} == {o["id"] for o in tables["orders"]}
    assert {r["value"] for r in tables["identifiers"]} >= {ANNA_CARD, "+79162206393"}
    assert [(r["record_type"], r["street"]) for r in tables["record_addresses"]] == [
        ("order", "ул. Ленина")
    ]
    assert len(tables["loyalty_accounts"]) == 2
    assert tables["consents"]
    assert any(e["kind"] == "survey_answer" for e in tables["events"])
    archive = client.get(f"/api/v1/privacy/customers/{anna}/export", params={"format": "csv"})
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        lines = z.read("orders.csv").decode().splitlines()
        assert {"orders.csv", "events.csv", "consents.csv", "export.json"} <= set(z.namelist())
    assert len(lines) == 1 + len(orders)
    assert client.get(f"/api/v1/privacy/customers/{anna}/export?format=xml").status_code == 422
    denied = api_client(engine, ("customers:read",))
    assert denied.get(f"/api/v1/privacy/customers/{anna}/export").status_code == 403


def test_erasure_leaves_nothing_of_the_person_and_revenue_unchanged(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    anna = _shop(engine, exports, tmp_path)
    assert set(_values_left(engine, ANNA)) == {v.casefold() for v in ANNA}  # all there before
    before = _revenue(engine, tmp_path / "before.duckdb")
    client = api_client(engine, ("privacy:manage",))
    assert client.post(f"/api/v1/privacy/customers/{anna}/erase", json={}).status_code == 422
    answer = client.post(f"/api/v1/privacy/customers/{anna}/erase", json={"reason": "GDPR art. 17"})
    assert answer.status_code == 200, answer.text
    erasure = answer.json()
    assert erasure["reason"] == "GDPR art. 17"
    assert erasure["actor"].startswith("key:test-")
    assert len(erasure["profile_ids"]) == 2
    assert _values_left(engine, ANNA) == {}
    assert _revenue(engine, tmp_path / "after.duckdb") == before
    with read_session(engine) as s:
        petr = s.scalar(select(Customer.first_name).where(Customer.source_key == "2000000654321"))
    assert petr == "Пётр"  # nobody else is touched

    newer = _registry(tmp_path).read_text().splitlines()
    path = tmp_path / "later" / "loyalty_members.csv"
    path.parent.mkdir()
    path.write_text("\n".join([newer[0], newer[3], newer[1]]) + "\n")  # a later export
    again = import_file(engine, path, source="members")
    counts = again.sources["members"]
    assert (counts.records, counts.inserted, counts.suppressed) == (2, 0, 2)
    assert {(r.row_no, r.field) for r in again.suppressed} == {
        (2, "identifiers"),
        (3, "identifiers"),
    }
    assert _values_left(engine, ANNA) == {}


def test_consents_change_through_the_api_and_an_imported_unsubscribe(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    anna = _shop(engine, exports, tmp_path)
    client = api_client(engine, ("privacy:manage",))
    url = f"/api/v1/privacy/customers/{anna}/consents"
    assert client.get(url).json()["in_force"]["email"] is True  # from the registry
    bad = client.put(url, json={"changes": [{"channel": "fax", "granted": True}]})
    assert bad.status_code == 422
    assert "changes[0].channel" in bad.text
    answer = client.put(url, json={"changes": [{"channel": "sms", "granted": True}]}).json()
    assert answer["in_force"]["sms"] is True
    assert [(h["channel"], h["granted"]) for h in answer["history"] if h["channel"] == "sms"] == [
        ("sms", False),  # each of her two registry cards said no
        ("sms", False),
        ("sms", True),
    ]
    unsubscribe = [
        ["message_id", "channel", "address", "campaign", "event", "at"],
        ["M9", "email", "ANNA.IVANOVA@mail.ru", "spring", "unsubscribed", "2025-06-01T09:00:00Z"],
    ]  # fmt: skip
    import_file(engine, write_csv(tmp_path / "messages.csv", unsubscribe))
    after = client.get(url).json()
    opened = [*unsubscribe[1][:4], "opened", unsubscribe[1][5]]
    import_file(
        engine, write_csv(tmp_path / "later.csv", [*unsubscribe, opened]), source="messages"
    )
    assert client.get(url).json() == after  # the same unsubscribe again withdraws nothing more
    assert after["in_force"] == {"email": False, "sms": True}
    emails = [(h["granted"], h["source"]) for h in after["history"] if h["channel"] == "email"]
    assert emails == [(True, "members"), (True, "members"), (False, "messages")]


def test_the_command_line_exports_and_erases(engine: Engine, exports: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from omnicrm.cli import app

    anna = _shop(engine, exports, tmp_path)
    url = engine.url.render_as_string(hide_password=False)
    runner, out = CliRunner(), tmp_path / "anna.json"
    done = runner.invoke(app, ["privacy", "export", str(anna), "--out", str(out), "--db", url])
    assert done.exit_code == 0, done.output
    assert {o["source_key"] for o in json.loads(out.read_text())["tables"]["orders"]} == {
        "S002/1/0001", "W1", "CC1"
    }  # fmt: skip
    done = runner.invoke(app, ["privacy", "erase", str(anna), "--reason", "asked", "--db", url])
    assert done.exit_code == 0, done.output
    assert _values_left(engine, ANNA) == {}


def test_a_persons_predictions_are_exported_and_erased(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    anna = _shop(engine, exports, tmp_path)
    with read_session(engine) as s:
        other = s.scalar(
            select(Customer.id).where(Customer.id != anna, Customer.merged_into_id.is_(None))
        )
    scores = pa.table(
        {"customer_id": [anna, other], "score": [0.9, 0.1], "label": ["offer", "none"]}
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        models.save(conn, models.Trained("churn", now, None, {}, {}, {}, scores), now)
    client = api_client(engine, ("privacy:manage",))
    held = client.get(f"/api/v1/privacy/customers/{anna}/export").json()["tables"]
    assert [(r["score"], r["label"]) for r in held["customer_predictions"]] == [(0.9, "offer")]
    assert (
        client.post(
            f"/api/v1/privacy/customers/{anna}/erase", json={"reason": "art. 17"}
        ).status_code
        == 200
    )
    with read_session(engine) as s:
        left = s.scalars(select(CustomerPrediction.customer_id)).all()
    assert left == [other]
