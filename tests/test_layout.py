"""Test modules are imported by basename (test folders are not packages), so two test files with
the same name in different folders would shadow each other."""

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
