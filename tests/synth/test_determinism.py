"""Same seed and scale give the same bytes, whatever the number of worker processes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from omnicrm.synth import generate


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", 1200, seed=3, chunk_size=500, workers=1)
    generate(tmp_path / "b", 1200, seed=3, chunk_size=500, workers=2)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert len(a) == 21
    assert a == b


def test_other_seed_other_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", 300, seed=1)
    generate(tmp_path / "b", 300, seed=2)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a["pos_receipts.csv"] != b["pos_receipts.csv"]
    assert a["stores.csv"] != b["stores.csv"] or a["products.csv"] != b["products.csv"]


def test_scale_is_roughly_proportional(tmp_path: Path) -> None:
    small = generate(tmp_path / "s", 1000, seed=5)
    big = generate(tmp_path / "b", 3000, seed=5)
    for name, entry in small["files"].items():
        if name in ("stores.csv", "products.csv"):
            assert entry == big["files"][name]
            continue
        if name == "wifi_sightings.csv":  # staff phones are a fixed block, whatever the scale
            continue
        ratio = big["files"][name]["rows"] / entry["rows"]
        assert 1.8 < ratio < 4.5, (name, ratio)
    assert 2.5 < big["order_lines"] / small["order_lines"] < 3.5


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        generate(tmp_path, 10, fmt="xml")
    with pytest.raises(ValueError, match="customers"):
        generate(tmp_path, 0)
