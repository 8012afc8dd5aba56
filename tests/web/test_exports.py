"""Downloads are the report a person reads: the screen's titles in the viewer's language, money in
rubles with a ruble format, shares with a percent format, the period and filters above the table,
one sheet per table, the header frozen; CSV with a BOM and ``;``; a cut said, never silent."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_sales import PERIOD, PREVIOUS, REVENUE
from web_store import PHONE, Store, post, signed_in

from omnicrm.analytics.export import Figure, Sheet, rubles, sheet_csv, workbook


@pytest.fixture(scope="module")
def analyst(sales: Store) -> TestClient:
    return signed_in(sales.engine, "analyst")


def _rows(sheet) -> list[tuple]:  # type: ignore[no-untyped-def]
    return list(sheet.iter_rows(values_only=True))


def _table(sheet) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """The header row's number (1-based) and its titles: the first row below the blank line."""
    rows = _rows(sheet)
    blank = next(i for i, r in enumerate(rows) if all(v is None for v in r))
    return blank + 2, [v for v in rows[blank + 1] if v is not None]


def test_the_dashboards_excel_is_in_rubles_percent_and_russian(analyst: TestClient) -> None:
    response = analyst.get("/dashboard/download", params={**PERIOD, "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "KPI программы лояльности",
        "Динамика программы лояльности",
    ]  # one sheet per table, names cut at a word within Excel's 31 characters
    kpi = book.worksheets[0]
    rows = _rows(kpi)
    assert rows[0][0] == "KPI программы лояльности"
    assert rows[1][0] == "Период: 01.01.2025 – 31.03.2025"
    assert rows[2][0] == "Фильтры: нет"
    assert rows[3][0] == "Шаг: месяц"
    header, titles = _table(kpi)
    assert titles == ["Показатель", "Значение", "Прошлый период", "Изменение"]  # no "group"
    assert kpi.freeze_panes == f"A{header + 1}"
    body = {r[0]: i + 1 for i, r in enumerate(rows) if r[0]}
    turnover = body["Выручка"]
    assert kpi.cell(turnover, 2).value == pytest.approx(REVENUE / 100)
    assert kpi.cell(turnover, 3).value == pytest.approx(PREVIOUS / 100)
    assert "₽" in kpi.cell(turnover, 2).number_format
    assert kpi.cell(turnover, 4).number_format == "0.0%"
    assert kpi.cell(turnover, 4).value == pytest.approx((REVENUE - PREVIOUS) / PREVIOUS, 1e-3)
    redemption = body["Оплата баллами"]
    assert kpi.cell(redemption, 2).number_format == "0.0%"
    assert 0 < kpi.cell(redemption, 2).value < 1
    assert kpi.cell(body["Чеки"], 2).value == 5
    assert kpi.column_dimensions["A"].width >= len("Повторные покупки новых")
    trends = book.worksheets[1]
    header, titles = _table(trends)
    assert titles[:3] == ["Месяц", "Выручка", "Чеки"]
    months = _rows(trends)[header : header + 3]
    assert [m[0].date() for m in months] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert sum(Decimal(str(m[1])) for m in months) == rubles(REVENUE)
    assert trends.cell(header + 1, 1).number_format == "MM.YYYY"  # a month, not its first day


def test_a_csv_download_has_a_bom_semicolons_rubles_and_words(analyst: TestClient) -> None:
    response = analyst.get(
        "/analytics/rfm/download", params={**PERIOD, "table": "rfm", "format": "csv"}
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["RFM-сегменты"]
    assert rows[1] == ["Период: 01.01.2025 – 31.03.2025"]
    header = next(i for i, r in enumerate(rows) if not r) + 1
    assert rows[header][:3] == ["Сегмент", "Клиенты", "Доля, %"]
    assert "Сумма покупок, ₽" in rows[header]
    body = rows[header + 1 : header + 1 + 4]
    segments = {r[0] for r in body if r}
    assert segments
    assert not segments & {"Champions", "Loyal", "New", "Lost", "Hibernating"}
    spend = rows[header].index("Сумма покупок, ₽")
    assert all("," in r[spend] and "." not in r[spend] for r in body if r and r[spend])


def test_rfm_excel_holds_both_tables_with_segment_names_in_russian(analyst: TestClient) -> None:
    response = analyst.get("/analytics/rfm/download", params={**PERIOD, "format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) == 2
    sizes, movement = book.worksheets
    header, titles = _table(sizes)
    assert titles[0] == "Сегмент"
    money = titles.index("Сумма покупок") + 1
    spends = [sizes.cell(r, money) for r in range(header + 1, sizes.max_row + 1)]
    spends = [c for c in spends if isinstance(c.value, int | float)]
    assert spends
    assert all("₽" in c.number_format for c in spends)
    assert sum(Decimal(str(c.value)) for c in spends) == rubles(REVENUE - 500_00)  # not anonymous
    header, titles = _table(movement)
    assert titles[0] == "Сегмент в прошлом периоде"
    assert "Потерянные" in titles or "Чемпионы" in titles or "Новые" in titles


def test_a_cut_is_said_with_a_way_to_get_every_row(sales: Store, analyst: TestClient) -> None:
    params = {**PERIOD, "limit": "1"}
    html = analyst.get("/analytics/reports/receipt_sum", params=params).text
    assert "Первые 1 из 2 строк" in html
    assert "limit=2" in html.split('id="cut-receipt_sum"', 1)[1].split("</p>", 1)[0]
    response = analyst.get(
        "/analytics/reports/receipt_sum/download",
        params={**params, "format": "csv", "channel": "store"},
    )
    text = response.content.decode("utf-8-sig")
    assert "Фильтры: Канал: Магазин" in text
    assert "Первые 1 из 2 строк" in text
    assert PHONE not in text  # customer lists carry ids, never contacts
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = next(i for i, r in enumerate(rows) if not r) + 1
    assert rows[header][0] == "Клиент"
    assert rows[header + 1][0] == str(sales.petr)  # an id, not "1 234"


def test_downloads_speak_english_to_an_english_viewer(sales: Store) -> None:
    client = signed_in(sales.engine, "marketer")
    post(client, "/lang", {"lang": "en", "next": "/dashboard"})
    response = client.get("/dashboard/download", params={**PERIOD, "format": "xlsx"})
    kpi = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = _rows(kpi)
    assert rows[1][0] == "Period: Jan 1, 2025 – Mar 31, 2025"
    assert _table(kpi)[1] == ["KPI", "Value", "Previous", "Change"]
    assert "Revenue" in [r[0] for r in rows]


def test_a_table_that_is_not_on_the_page_is_not_found(analyst: TestClient) -> None:
    response = analyst.get(
        "/analytics/rfm/download", params={**PERIOD, "table": "nope", "format": "xlsx"}
    )
    assert response.status_code == 404


def test_sheets_get_unique_names_and_mixed_units_per_figure() -> None:
    sheet = Sheet(
        "a/b: c?" * 6,
        "KPI",
        ["Период: 01.01.2025 – 31.01.2025"],
        ["Показатель", "Значение", "Клиент"],
        [
            [Figure("Выручка"), Figure(123_456_78, "money"), Figure(12345, "id")],
            [Figure("Доля"), Figure(0.25, "percent"), Figure(None)],
        ],
        ["примечание"],
    )
    book = load_workbook(io.BytesIO(workbook([sheet, sheet])))
    first, second = book.sheetnames
    assert len(first) <= 31
    assert "/" not in first
    assert ":" not in first
    assert first != second
    assert book.worksheets[0].cell(5, 3).number_format == "0"  # an id, no thousands
    text = sheet_csv(sheet).decode("utf-8-sig").splitlines()
    assert text[3] == "Показатель;Значение;Клиент"  # mixed units: beside each figure
    assert text[4] == "Выручка;123456,78 ₽;12345"
    assert text[5] == "Доля;25,0 %;"
    assert text[-1] == "примечание"


def test_abc_items_cut_at_rows_say_so_on_the_page_and_in_the_file(analyst: TestClient) -> None:
    params = {**PERIOD, "subject": "category", "limit": "1"}
    html = analyst.get("/analytics/abc", params=params).text
    assert "Первые 1 из 2 строк" in html.split('id="table-abc_detail"', 1)[1]
    book = load_workbook(
        io.BytesIO(
            analyst.get("/analytics/abc/download", params={**params, "format": "xlsx"}).content
        )
    )
    assert book.sheetnames == ["ABC XYZ-анализ", "ABC XYZ-анализ позиции"]
    assert "Первые 1 из 2 строк: чтобы получить все, увеличьте «Строк»" in [
        r[0] for r in _rows(book.worksheets[1])
    ]
