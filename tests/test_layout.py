"""Test modules are imported by basename (test folders are not packages), so two test files with
the same name in different folders would shadow each other."""

from collections import Counter
from pathlib import Path


def test_test_module_names_are_unique() -> None:
    names = Counter(p.name for p in Path(__file__).parent.rglob("test_*.py"))
    assert [name for name, n in names.items() if n > 1] == []
