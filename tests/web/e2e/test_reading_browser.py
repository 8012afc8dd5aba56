"""Pages that read, in a real browser: nothing on the dashboard overflows its tile, card or table
at 1280 and 1920 pixels (a wide table scrolls inside its card instead), the Excel downloads of
the dashboard and of RFM taken through the page are in rubles with Russian headers, and every page
is screenshotted in both languages into test-output/screenshots/pages/ (git-ignored, never
committed)."""

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from browser_demo import SCREENSHOTS, Demo
from openpyxl import load_workbook

from omnicrm.web.insights.views import VIEWS
from omnicrm.web.navigation import MENU

WIDTHS = (1280, 1920)
OVERFLOWING = """() => {
  const wrapped = el => el.closest('.table-wrap') !== null;
  const found = [];
  for (const el of document.querySelectorAll('.kpi, .kpi *, .card, table, main')) {
    if (el.tagName === 'TABLE' ? wrapped(el) : el.closest('.table-wrap') && !el.matches('.card')) {
      continue;  // inside a wrapper that scrolls: allowed to be wider
    }
    if (el.closest('.js-plotly-plot')) { continue; }  // plotly sizes its own svg
    if (el.scrollWidth > el.clientWidth + 1) {
      const name = el.id || el.className || el.tagName;
      found.push(name + ' ' + el.scrollWidth + '>' + el.clientWidth);
    }
  }
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    if (getComputedStyle(wrap).overflowX !== 'auto') { found.push('table-wrap does not scroll'); }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) { found.push('the page'); }
  return found;
}"""


@pytest.fixture(scope="module")
def context(browser, demo: Demo) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    """The administrator (every page), in Russian."""
    context = browser.new_context(
        viewport={"width": WIDTHS[0], "height": 900}, base_url=demo.base_url, accept_downloads=True
    )
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "admin")
    page.fill("#password", "omnicrm-admin")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.close()
    yield context
    context.close()


@pytest.fixture
def page(context) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    page = context.new_page()
    yield page
    page.close()


def _charts(page) -> None:  # type: ignore[no-untyped-def]
    """Waits until plotly has drawn every chart of the page."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-figure]')].every("
        "el => el.querySelector('svg.main-svg'))"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_on_the_dashboard_overflows_its_container(page, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/dashboard")
    _charts(page)
    assert page.evaluate(OVERFLOWING) == []
    value = page.locator("#kpi-turnover_minor .kpi-value")
    assert "₽" in value.inner_text()
    assert "₽" in (value.get_attribute("title") or "")  # the exact sum on hover


@pytest.mark.parametrize("path", ["/analytics/rfm", "/analytics/attribution"])
def test_wide_tables_scroll_inside_their_card(page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto(path)
    _charts(page)
    assert page.evaluate(OVERFLOWING) == []
    first = page.locator(".table-wrap th:first-child").first
    assert first.evaluate("el => getComputedStyle(el).position") == "sticky"  # stays on scroll


REACH_THE_END = """wrap => {
  wrap.scrollLeft = wrap.scrollWidth;
  const last = wrap.querySelector('th:last-child').getBoundingClientRect();
  const box = wrap.getBoundingClientRect();
  return last.right <= box.right + 1 && last.left >= box.left;
}"""


@pytest.mark.parametrize("table", ["rfm_movement", "attribution"])
def test_the_last_column_of_a_wide_table_is_reached_in_its_card(page, table: str) -> None:  # type: ignore[no-untyped-def]
    """The RFM movement matrix (a column per segment) and attribution are wider than 1280 px:
    the card scrolls them, so their last column ("Всего") is one scroll away, never cut off."""
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto(f"/analytics/{table.split('_')[0]}")
    assert page.locator(f"#table-{table} .table-wrap").evaluate(REACH_THE_END)


def _download(page, selector: str) -> Path:  # type: ignore[no-untyped-def]
    with page.expect_download() as event:
        page.click(selector)
    assert event.value.suggested_filename.endswith(".xlsx")
    return Path(event.value.path())


def _header(sheet) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    rows = list(sheet.iter_rows(values_only=True))
    blank = next(i for i, r in enumerate(rows) if all(v is None for v in r))
    return blank + 2, [v for v in rows[blank + 1] if v is not None]


def test_the_dashboards_excel_from_the_page_is_in_rubles_with_russian_headers(
    page, demo: Demo
) -> None:  # type: ignore[no-untyped-def]
    page.goto("/dashboard")
    shown = page.locator("#kpi-receipts .kpi-value").get_attribute("title")
    book = load_workbook(io.BytesIO(_download(page, "#download-all").read_bytes()))
    kpi = book.worksheets[0]
    row, titles = _header(kpi)
    assert titles == ["Показатель", "Значение", "Прошлый период", "Изменение"]
    values = {kpi.cell(r, 1).value: kpi.cell(r, 2) for r in range(row + 1, kpi.max_row + 1)}
    turnover = values["Выручка"]
    assert "₽" in turnover.number_format
    exact = page.locator("#kpi-turnover_minor .kpi-value").get_attribute("title") or ""
    digits = "".join(ch for ch in exact if ch.isdigit())
    assert Decimal(str(turnover.value)) == Decimal(digits) / 100  # minor units / 100
    assert "".join(ch for ch in shown or "" if ch.isdigit()) == str(values["Чеки"].value)
    assert "%" in values["Оплата баллами"].number_format
    trends = book.worksheets[1]
    assert _header(trends)[1][:2] == ["Месяц", "Выручка"]


def test_the_rfm_excel_from_the_page_names_segments_in_russian(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/analytics/rfm")
    book = load_workbook(io.BytesIO(_download(page, "#download-all").read_bytes()))
    sizes, movement = book.worksheets
    row, titles = _header(sizes)
    assert titles[:3] == ["Сегмент", "Клиенты", "Доля"]
    segments = [sizes.cell(r, 1).value for r in range(row + 1, sizes.max_row + 1)]
    assert "Champions" not in segments
    assert {"Чемпионы", "Потерянные", "Спящие"} & set(segments)
    spend = sizes.cell(row + 1, titles.index("Сумма покупок") + 1)
    assert "₽" in spend.number_format
    assert sizes.cell(row + 1, 3).number_format == "0.0%"
    assert _header(movement)[1][0] == "Сегмент в прошлом периоде"


def _every_page(demo: Demo) -> dict[str, str]:
    paths = {e.path: e.path for e in MENU} | {v.path: v.path for v in VIEWS}
    paths |= {
        "/customers/member": f"/customers/{demo.member_id}",
        "/promotions/new": "/promotions/new",
        "/campaigns/policy": "/campaigns/policy",
    }
    return {name.strip("/").replace("/", "-"): path for name, path in paths.items()}


def _speak(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/dashboard")
    button = page.locator(f"form.lang button[value={lang}]")
    if button.is_enabled():  # the language in force is a disabled button
        button.click()
        page.wait_for_url("**/dashboard")
    assert page.locator("html").get_attribute("lang") == lang


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_page_is_screenshotted_in_both_languages(page, demo: Demo, lang: str) -> None:  # type: ignore[no-untyped-def]
    _speak(page, lang)
    out = SCREENSHOTS / "pages" / lang
    out.mkdir(parents=True, exist_ok=True)
    for name, path in _every_page(demo).items():
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        if page.locator("[data-figure]").count():
            _charts(page)
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    assert len(list(out.glob("*.png"))) == len(_every_page(demo))
    _speak(page, "ru")  # leave the context in Russian
