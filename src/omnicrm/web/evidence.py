"""Evidence of a merge or a suggested merge, as lines a person reads: which rule, which shared
identifiers (masked for roles without contact access), which compared fields agreed, and for the
probabilistic model each comparison's level and match weight (log2 of how much more likely the
pair's agreement is for one person than for two), strongest first."""

from dataclasses import dataclass

from omnicrm.core.masking import shown


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    key: str
    text: str
    agreed: bool | None = None
    """For a compared field: whether both profiles agree on it."""
    identifiers: tuple[tuple[str, str], ...] = ()
    """For shared identifiers: (kind, value as the viewer may see it), the kind for a label."""


def _identifier(item: str, reveal: bool) -> tuple[str, str]:
    kind, _, value = item.partition(":")
    return (kind, shown(kind, value, reveal=reveal)) if value else ("", item)


def evidence_lines(evidence: dict, *, reveal: bool) -> list[EvidenceLine]:
    lines = []
    for key, value in sorted(evidence.items()):
        if key == "compared" and isinstance(value, dict):
            lines += [EvidenceLine(f"compared:{f}", f, bool(ok)) for f, ok in sorted(value.items())]
        elif key == "weights" and isinstance(value, dict):
            lines += _weights(value)
        elif key == "identifiers" and isinstance(value, list):
            found = tuple(_identifier(str(i), reveal) for i in value)
            text = ", ".join(f"{kind}: {v}" if kind else v for kind, v in found)
            lines.append(EvidenceLine(key, text, identifiers=found))
        else:
            lines.append(EvidenceLine(key, str(value)))
    return lines


def _weights(weights: dict) -> list[EvidenceLine]:
    ranked = sorted(weights.items(), key=lambda kv: -abs(float(kv[1].get("weight", 0))))
    return [
        EvidenceLine(f"weight:{name}", f"{w.get('level')}: {float(w.get('weight', 0)):+.2f}")
        for name, w in ranked
    ]
