"""The files follow docs/CHANNELS.md exactly: names, headers/keys and their order, value formats."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from omnicrm.synth.schema import ALL, APP, WEB

DOC = Path(__file__).resolve().parents[2] / "docs" / "CHANNELS.md"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def documented_columns() -> dict[str, tuple[str, ...]]:
    """File name -> columns as written under its ``### `source` — file`` heading."""
    text = DOC.read_text(encoding="utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for m in re.finditer(
        r"^### .*?— (\S+\.(?:csv|jsonl))[^\n]*\n(.*?)(?=^### |^## )", text, re.M | re.S
    ):
        name, body = m.group(1), m.group(2)
        if name.endswith(".jsonl") and '{"event_id"' in body:
            line = body.split("\n", 1)[0]
            out[name] = tuple(re.findall(r'"(\w+)"', line))
        elif name.endswith(".csv"):
            first = re.search(r"`([^`]+)`", body).group(1)  # type: ignore[union-attr]
            cont = body.split("`")[1]
            sep = ";" if ";" in first else ","
            out[name] = tuple(c.strip() for c in cont.replace("\n", " ").split(sep))
    return out


def test_doc_parsed() -> None:
    assert len(documented_columns()) == 17


@pytest.mark.parametrize("spec", [s for s in ALL if s.native_name in documented_columns()], ids=str)
def test_header_matches_channels_md(spec, dataset: Path) -> None:
    doc = documented_columns()[spec.native_name]
    assert spec.columns == doc
    path = dataset / spec.native_name
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    if spec.kind == "csv":
        assert first == spec.delimiter.join(doc)
    else:
        assert tuple(re.findall(r'"(\w+)":', first)[: len(doc)]) == doc


def test_order_json_shape_matches_example(rows: Callable[[str], list[dict]]) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text.split("```json", 1)[1].split("```", 1)[0]
    top = re.findall(r'(?:^\{|, |\n )"(\w+)":', example)
    assert WEB.columns == APP.columns
    for name in ("web_orders.jsonl", "app_orders.jsonl"):
        order = rows(name)[0]
        assert [k for k in order if k in top] == [k for k in top if k in order]
        assert list(order["customer"]) == [
            "email",
            "phone",
            "name",
            "cookie",
            "device_id",
            "card_no",
        ]
        assert list(order["items"][0]) == ["line_no", "sku", "qty", "price", "discount"]
        assert list(order["delivery"]) == ["type", "store_code", "pickup_point", "address", "cost"]
    assert all(
        o["order_id"].startswith("W") and o["customer"]["device_id"] is None
        for o in rows("web_orders.jsonl")
    )
    assert all(
        o["order_id"].startswith("A") and o["customer"]["device_id"]
        for o in rows("app_orders.jsonl")
    )


def test_all_files_and_manifest(dataset: Path, manifest: dict) -> None:
    names = {p.name for p in dataset.iterdir()}
    truth = {"ground_truth.csv", "ground_truth_people.csv", "manifest.json"}
    assert {s.native_name for s in ALL} | truth == names
    assert manifest["seed"] == 7
    assert manifest["period"] == {
        "start": "2025-01-01",
        "end": "2026-03-31",
    }
    for name, entry in manifest["files"].items():
        lines = (dataset / name).read_bytes().count(b"\n")
        assert entry["rows"] == lines - (1 if name.endswith(".csv") else 0), name
        assert 0 < entry["records"] <= entry["rows"], name


def test_pos_values(rows: Callable[[str], list[dict]]) -> None:
    pos = rows("pos_receipts.csv")
    receipts: dict[str, list[dict]] = {}
    for r in pos:
        receipts.setdefault(f"{r['store_code']}/{r['terminal_id']}/{r['receipt_no']}", []).append(r)
        assert r["op"] in ("sale", "return")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["ts_local"])
        assert 10 <= int(r["ts_local"][11:13]) <= 22
        assert int(r["qty"]) > 0
        assert int(r["amount_minor"]) == int(r["qty"]) * int(r["price_minor"]) - int(
            r["discount_minor"]
        )
        assert r["card_no"] == "" or re.fullmatch(r"\d{13}", r["card_no"])
    for key, lines in receipts.items():
        pays = {line["payments"] for line in lines}
        assert len(pays) == 1, key
        pairs = [p.split("=") for p in pays.pop().split(";")]
        assert {m for m, _ in pairs} <= {"cash", "card", "points", "gift_card"}
        assert sum(int(a) for _, a in pairs) == sum(int(line["amount_minor"]) for line in lines)
    sales = {
        (k, line["line_no"]) for k, ls in receipts.items() for line in ls if line["op"] == "sale"
    }
    returns = [r for r in pos if r["op"] == "return"]
    assert returns
    for r in returns:
        assert (r["orig_receipt_no"], r["orig_line_no"]) in sales
        assert r["orig_receipt_no"].startswith(r["store_code"] + "/")


def test_other_value_formats(rows: Callable[[str], list[dict]]) -> None:
    for r in rows("marketplace_orders.csv")[:500]:
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", r["order_date"])
        assert re.fullmatch(r"\d{1,3}( \d{3})*,\d\d", r["price"])
        assert r["buyer_phone"] == "" or re.fullmatch(
            r"\+7 \(\d{3}\) \*\*\*-\*\*-\d\d", r["buyer_phone"]
        )
        assert re.fullmatch(r"\w+ \w\.", r["buyer_name"])
        assert r["status"] in ("delivered", "cancelled", "returned", "awaiting_delivery")
    for o in rows("web_orders.jsonl")[:300]:
        assert ISO.match(o["created_at"])
        assert all(re.fullmatch(r"\d+\.\d\d", i["price"]) for i in o["items"])
        total = sum(
            int(i["price"].replace(".", "")) * i["qty"] - int(i["discount"].replace(".", ""))
            for i in o["items"]
        )
        paid = sum(int(p["amount"].replace(".", "")) for p in o["payments"])
        assert paid == total + int(o["delivery"]["cost"].replace(".", ""))
        assert o["status_history"][0]["status"] == "created"
    for r in rows("loyalty_members.csv"):
        assert re.fullmatch(r"\d{13}", r["card_no"])
        assert ISO.match(r["issued_at"])
        assert r["gender"] in ("F", "M", "")
        assert r["consent_sms"] in ("1", "0", "")
    for e in rows("app_events.jsonl")[:300]:
        assert isinstance(e["ts"], int)
        assert e["ts"] > 1_700_000_000_000
    for r in rows("call_centre_orders.csv")[:300]:
        assert re.fullmatch(r"8\d{10}", r["caller_number"])
        assert r["order_ref"].startswith("CC")
    for r in rows("wifi_sightings.csv")[:300]:
        assert re.fullmatch(r"[0-9a-f]{64}", r["mac_hash"])


def test_delivery_refers_to_known_orders(rows: Callable[[str], list[dict]]) -> None:
    known = {o["order_id"] for o in rows("web_orders.jsonl") + rows("app_orders.jsonl")}
    known |= {r["order_ref"] for r in rows("call_centre_orders.csv")}
    feed = rows("delivery_status.csv")
    assert feed
    assert all(r["order_ref"] in known for r in feed)
    assert {r["status"] for r in feed} <= {
        "assembled",
        "shipped",
        "ready_for_pickup",
        "delivered",
        "picked_up",
        "cancelled",
    }
    assert all(r["order_ref"] in known for r in rows("returns.csv"))
