"""The review page explains a probabilistic suggestion by each comparison's level and match
weight, strongest first, with the comparison named in the workstation's language."""

from omnicrm.web.evidence import evidence_lines
from omnicrm.web.i18n import label


def test_match_weights_read_strongest_first() -> None:
    evidence = {
        "score": 0.97,
        "weights": {
            "name": {"level": "names swapped", "weight": 6.1},
            "dob": {"level": "All other comparisons", "weight": -4.3},
            "address": {"level": "same home", "weight": 8.9},
        },
    }
    lines = [(line.key, line.text) for line in evidence_lines(evidence, reveal=False)]
    assert lines[1:] == [
        ("weight:address", "same home: +8.90"),
        ("weight:name", "names swapped: +6.10"),
        ("weight:dob", "All other comparisons: -4.30"),
    ]
    assert label("ru", "evidence", "weight:dob") == "вес: дата рождения"
