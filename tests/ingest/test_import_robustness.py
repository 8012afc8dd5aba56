"""A bad row never costs the good ones: an oversized field, a byte the encoding lacks, an open
quote, a future date reject their row (with file, row and field) and the rest lands; a cp1251
export is read whole; a header that is not the source's is refused before anything is written;
digits typed on any keyboard match."""

from pathlib import Path

import pytest
from ingest_samples import MEMBERS, RETURNS, STORES, write_csv
from sqlalchemy import Engine, func, select

from omnicrm.ingest.bulk import UnreadableFile, import_file
from omnicrm.ingest.report import RejectedRow
from omnicrm.ingest.stream import ingest_record
from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer, ImportBatch, Order

HEADER = MEMBERS[0]
PHONE = HEADER.index("phone")
LAST_NAME = HEADER.index("last_name")
CITY = HEADER.index("city")
BIRTH = HEADER.index("birth_date")


def _member(i: int) -> list[str]:
    row = [*MEMBERS[1]]
    row[0], row[PHONE], row[HEADER.index("email")] = f"20000010000{i:02d}", f"+7916100{i:04d}", ""
    return row


def _good(n: int = 8) -> list[list[str]]:
    return [_member(i) for i in range(n)]


def _lines(rows: list[list[str]]) -> list[str]:
    return [",".join(row) + "\n" for row in rows]


def _members_in(engine: Engine) -> set[str]:
    with read_session(engine) as s:
        return set(s.scalars(select(Customer.source_key).where(Customer.source == "members")))


def _import(engine: Engine, tmp_path: Path, content: bytes, **options: str) -> list[RejectedRow]:
    import_file(engine, write_csv(tmp_path / "stores.csv", STORES))
    path = tmp_path / "loyalty_members.csv"
    path.write_bytes(content)
    return import_file(engine, path, **options).errors


def _cards(rows: list[list[str]]) -> set[str]:
    return {row[0] for row in rows}


def test_a_10_mb_field_rejects_its_row_and_the_8_good_rows_land(
    engine: Engine, tmp_path: Path
) -> None:
    good = _good()
    huge = _member(99)
    huge[CITY] = "М" * (5 * 1024 * 1024)  # 10 MB of UTF-8
    text = "".join(_lines([HEADER, *good[:4], huge, *good[4:]]))
    errors = _import(engine, tmp_path, text.encode())
    assert _members_in(engine) == _cards(good)
    assert [(e.file_name, e.row_no, e.field) for e in errors] == [
        ("loyalty_members.csv", 6, "city")
    ]
    assert "longer than" in errors[0].message


def test_a_cp1251_export_keeps_every_row_detected_or_declared(
    engine: Engine, tmp_path: Path
) -> None:
    good = _good()
    content = "".join(_lines([HEADER, *good])).encode("cp1251")
    assert _import(engine, tmp_path, content) == []
    assert _members_in(engine) == _cards(good)
    with read_session(engine) as s:
        assert set(s.scalars(select(Customer.last_name))) == {"Иванова"}
    declared = tmp_path / "declared"
    declared.mkdir()
    again = _import(engine, declared, content, encoding="windows-1251")
    assert again == []


def test_a_byte_the_encoding_lacks_rejects_its_row_naming_the_field(
    engine: Engine, tmp_path: Path
) -> None:
    good = _good()
    lines = [line.encode() for line in _lines([HEADER, *good])]
    bad = _member(50)
    bad[LAST_NAME] = "Ив\udcffанова"  # a lone 0xFF byte inside a UTF-8 file
    lines.insert(3, ",".join(bad).encode("utf-8", "surrogateescape") + b"\n")
    errors = _import(engine, tmp_path, b"".join(lines))
    assert _members_in(engine) == _cards(good)
    assert [(e.row_no, e.field) for e in errors] == [(4, "last_name")]
    assert "0xff" in errors[0].message


def test_an_open_quote_rejects_its_row_and_the_rows_after_it_land(
    engine: Engine, tmp_path: Path
) -> None:
    good = _good()
    broken = _member(60)
    broken[CITY] = '"Москва'
    errors = _import(
        engine, tmp_path, "".join(_lines([HEADER, *good[:2], broken, *good[2:]])).encode()
    )
    assert _members_in(engine) == _cards(good)
    assert [(e.row_no, e.field) for e in errors] == [(4, "city")]
    assert "quote" in errors[0].message


@pytest.mark.parametrize(
    ("header", "listed"),
    [
        (HEADER[:5], ", ".join(HEADER[5:])),  # a members file missing 10 of its 15 columns
        ([*HEADER, "shoe_size"], "unknown column(s) shoe_size"),
    ],
)
def test_a_header_that_is_not_the_sources_is_refused_with_the_list(
    engine: Engine, tmp_path: Path, header: list[str], listed: str
) -> None:
    rows = [row[: len(header)] + [""] * (len(header) - len(row)) for row in _good()]
    with pytest.raises(UnreadableFile) as refused:
        _import(engine, tmp_path, "".join(_lines([header, *rows])).encode())
    assert listed in str(refused.value)
    with read_session(engine) as s:
        assert _members_in(engine) == set()
        assert (
            s.scalar(
                select(func.count()).select_from(ImportBatch).where(ImportBatch.source == "members")
            )
            == 0
        )


def test_the_optional_migration_columns_may_be_left_out_or_given(
    engine: Engine, tmp_path: Path
) -> None:
    header = [*HEADER, "card_state", "points_balance"]
    rows = [[*row, "active", "100"] for row in _good(2)]
    assert _import(engine, tmp_path, "".join(_lines([header, *rows])).encode()) == []
    assert _members_in(engine) == _cards(rows)


def test_a_birth_date_in_2090_is_rejected_with_its_row(engine: Engine, tmp_path: Path) -> None:
    good = _good(3)
    unborn = _member(70)
    unborn[BIRTH] = "2090-01-01"
    errors = _import(engine, tmp_path, "".join(_lines([HEADER, unborn, *good])).encode())
    assert _members_in(engine) == _cards(good)
    assert [(e.row_no, e.field) for e in errors] == [(2, "birth_date")]
    assert "future" in errors[0].message


def test_a_receipt_in_2099_is_rejected_with_its_row(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    import_file(engine, exports / "stores.csv")
    import_file(engine, exports / "products.csv")
    pos = (exports / "pos_receipts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    future = pos[1].replace("2025-03-01", "2099-03-01").replace(",0001,", ",9999,")
    path = tmp_path / "pos_receipts.csv"
    path.write_text("".join([*pos, future]), encoding="utf-8")
    report = import_file(engine, path)
    future_row = len(pos) + 1  # one line of a two-line receipt: its payments are short too
    assert {e.row_no for e in report.errors} == {future_row}
    (reason,) = [e.message for e in report.errors if e.field == "ts_local"]
    assert "future" in reason
    with read_session(engine) as s:
        keys = set(s.scalars(select(Order.source_key)))
    assert keys
    assert not any(key.endswith("/9999") for key in keys)


def test_a_return_over_the_amount_sold_names_the_amount(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    for name in ("stores.csv", "products.csv", "web_orders.jsonl"):
        import_file(engine, exports / name)
    header, line = RETURNS
    over = [*line]
    over[header.index("amount_minor")] = str(int(line[header.index("amount_minor")]) * 10)
    report = import_file(engine, write_csv(tmp_path / "returns.csv", [header, over]))
    assert [e.field for e in report.errors] == ["lines[0].amount_minor"]


@pytest.mark.parametrize("typed", ["＋７ (９１６) ２２０-６３-９３", "٨٩١٦٢٢٠٦٣٩٣"])
def test_a_phone_in_other_digits_matches_the_existing_customer(
    engine: Engine, exports: Path, typed: str
) -> None:
    import_file(engine, exports / "stores.csv")
    member = ingest_record(engine, "members", dict(zip(HEADER, MEMBERS[1], strict=True)))
    call = {
        "call_id": "CALL-FW",
        "started_at": "2025-03-02T09:58:00+03:00",
        "caller_number": typed,
        "agent_id": "ag7",
        "topic": "question",
        "duration_s": "60",
        "order_ref": "",
    }
    answer = ingest_record(engine, "calls", call)
    assert member.customer_id is not None
    assert (answer.identity, answer.customer_id) == ("attached", member.customer_id)
