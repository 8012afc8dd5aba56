"""Test modules are imported by basename (test folders are not packages), so two test files with
the same name in different folders would shadow each other."""

import ast
from collections import Counter
from pathlib import Path


def test_test_module_names_are_unique() -> None:
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert [name for name, n in names.items() if n > 1] == []


def test_no_test_imports_a_conftest_by_name() -> None:
    """``conftest`` is a different module in every folder; importing one by name picks whichever
    loaded first. Shared helpers live in uniquely named modules (``support``, ...)."""
    offenders = [
        str(p)
        for p in Path(__file__).parent.rglob("*.py")
        if p.name != "test_layout.py"
        and ("from conftest import" in p.read_text() or "import conftest" in p.read_text())
    ]
    assert offenders == []


PAGES = Path(__file__).parent.parent / "src" / "omnicrm" / "web" / "pages"
QUERY_NAMES = {"select", "text", "func", "insert", "update", "delete", "union"}
QUERY_CALLS = {"execute", "scalar", "scalars"}


def _sql_in(path: Path) -> list[str]:
    """What in a page module builds or runs SQL: sqlalchemy query-building imports and calls of
    ``execute`` / ``scalar`` / ``scalars`` on anything."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"import {a.name}" for a in node.names if a.name in QUERY_NAMES]
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name == "sqlalchemy"]
        elif isinstance(node, ast.Attribute) and node.attr in QUERY_CALLS:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_pages_call_read_models_and_hold_no_sql() -> None:
    """A page asks its capability's queries / repository module: the same read the API and the
    CLI use, and one place to change when the store does."""
    offenders = {p.name: found for p in sorted(PAGES.glob("*.py")) if (found := _sql_in(p))}
    assert offenders == {}


def test_the_sql_check_sees_sql(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("from sqlalchemy import select\nrows = session.execute(q)\n")
    assert _sql_in(page) == ["import select", "line 2: .execute"]
