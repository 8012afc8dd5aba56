"""The columnar fast path accepts and rejects exactly what the per-record validator does: crafted
receipts (plain, odd but valid, and bad in every field) imported column-wise and record by record
store the same rows and report the same errors, in CSV and Parquet, across batch boundaries, and
when the file turns irregular half-way."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from columnar_compare import same_import
from ingest_samples import write_csv
from sqlalchemy import Engine

from omnicrm.core.settings import get_settings

STORES = [
    ["store_code", "name", "city", "region", "timezone", "kind", "opened_on"],
    ["S001", "Москва", "Москва", "Москва", "Europe/Moscow", "store", ""],
    ["B01", "Берлин", "Берлин", "Берлин", "Europe/Berlin", "store", ""],
]
HEADER = [
    "store_code",
    "terminal_id",
    "receipt_no",
    "op",
    "ts_local",
    "card_no",
    "payments",
    "line_no",
    "sku",
    "qty",
    "price_minor",
    "discount_minor",
    "amount_minor",
    "orig_receipt_no",
    "orig_line_no",
]
PLAIN = {
    "store_code": "S001",
    "terminal_id": "1",
    "receipt_no": "R",
    "op": "sale",
    "ts_local": "2025-03-01 10:00:00",
    "card_no": "2000000123456",
    "payments": "card=199000",
    "line_no": "1",
    "sku": "SKU1",
    "qty": "1",
    "price_minor": "199000",
    "discount_minor": "0",
    "amount_minor": "199000",
    "orig_receipt_no": "",
    "orig_line_no": "",
}

# One receipt per entry (each a list of line overrides), numbered into distinct receipt numbers
# unless the entry names its own. Valid, odd-but-valid and bad in every way the validator knows.
RECEIPTS: list[list[dict[str, str]]] = [
    [{}],
    [{"card_no": ""}, {"line_no": "2", "card_no": "", "sku": "SKU2", "price_minor": "0"}],
    [{"payments": "cash=100000;card=99000"}],
    [{"discount_minor": "", "payments": "cash=199000"}],
    [{"qty": "2", "discount_minor": "1000", "amount_minor": "397000", "payments": "cash=397000"}],
    [{"line_no": "007"}],
    [{"receipt_no": " PADDED "}],
    [{"terminal_id": "1 "}],
    [{"store_code": "S404"}],
    [{"store_code": ""}],
    [{"op": "Sale"}],
    [{"op": ""}],
    [{"ts_local": "2025-02-30 10:00:00"}],
    [{"ts_local": "2025-03-01T10:00:00"}],
    [{"ts_local": "2025-03-01 10:00"}],
    [{"ts_local": "2025-03-01 10:00:00+05:00"}],
    [{"ts_local": "01.03.2025 10:00:00"}],
    [{"store_code": "B01", "ts_local": "2025-03-30 02:30:00"}],  # skipped by Berlin's clocks
    [{"store_code": "B01", "ts_local": "2025-10-26 02:30:00"}],  # repeated by Berlin's clocks
    [{"store_code": "B01", "ts_local": "2025-07-01 12:00:00"}],
    [{"ts_local": "2099-03-01 10:00:00"}],  # beyond the future tolerance
    [{"card_no": "２０００００００１２３４５６"}],  # full-width digits: a card, not plain
    [{"card_no": "2000 0000 12345 6"}],
    [{"card_no": "12345"}],
    [{"payments": "card = 199000"}],
    [{"payments": "card=199000;"}],
    [{"payments": "crypto=199000"}],
    [{"payments": "card=100"}],
    [{"payments": ""}],
    [{"qty": "0"}],
    [{"qty": "-1"}],
    [{"qty": "1.0"}],
    [{"qty": "٣"}],
    [{"price_minor": "x"}],
    [{"discount_minor": "200000", "amount_minor": "-1000"}],
    [{"amount_minor": "199001"}],
    [{"sku": "NOPE"}],
    [{"sku": " SKU1"}],
    [{"line_no": "0"}],
    [{}, {"payments": "card=199000"}],  # line 1 twice (and payments short)
    [{"orig_receipt_no": "S001/1/X"}],
    [{"payments": "card=398000"}, {"line_no": "2", "payments": "card=398000", "card_no": ""}],
    [{"payments": "card=398000"}, {"line_no": "2", "payments": "card=398000"}],
    [{"receipt_no": "DUP"}],
    [{"receipt_no": "DUP", "payments": "cash=199000"}],
    [{"receipt_no": " DUP2"}],
    [{"receipt_no": "DUP2"}],
    [
        {
            "op": "return",
            "receipt_no": "RET",
            "orig_receipt_no": "S001/1/R0",
            "orig_line_no": "1",
        }
    ],
    [{"op": "return", "receipt_no": "RET2", "orig_receipt_no": "S001/1/NONE"}],
]


def _rows(receipts: list[list[dict[str, str]]]) -> list[list[str]]:
    rows = [HEADER]
    for n, lines in enumerate(receipts):
        for line in lines:
            values = {**PLAIN, "receipt_no": f"R{n}", **line}
            rows.append([values[column] for column in HEADER])
    return rows


@pytest.mark.parametrize("batch_size", [5000, 3])
def test_fast_path_stores_and_reports_what_the_validator_does(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    monkeypatch.setattr(get_settings(), "import_batch_size", batch_size)
    # DUP again, not next to its first receipt: a duplicate within the file
    receipts = [*RECEIPTS, [{"receipt_no": "DUP", "payments": "cash=199000"}]]
    path = write_csv(tmp_path / "pos_receipts.csv", _rows(receipts))
    same_import(engine, path, tmp_path, monkeypatch, STORES)


def test_parquet_fast_path_matches_the_validator(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows(RECEIPTS)
    table = pa.table(
        {
            name: [None if (v := row[i]) == "" and name == "card_no" else v for row in rows[1:]]
            for i, name in enumerate(HEADER)
        }
    )
    qty = [int(v) if v.isdigit() else -7 for v in table["qty"].to_pylist()]
    table = table.set_column(9, "qty", pa.array(qty))
    path = tmp_path / "pos_receipts.parquet"
    pq.write_table(table, path)
    same_import(engine, path, tmp_path, monkeypatch, STORES)


def test_an_irregular_row_sends_the_rest_of_the_file_to_the_validator(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "import_batch_size", 2)
    rows = _rows(RECEIPTS[:6])
    rows.insert(5, ["S001", "1", "short row"])
    rows.insert(7, [])
    path = write_csv(tmp_path / "pos_receipts.csv", rows)
    same_import(engine, path, tmp_path, monkeypatch, STORES)
