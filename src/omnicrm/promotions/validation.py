"""Validation on save: the rules' shape (pydantic) and their references to the catalogue, stores
and loyalty levels, every error naming its field (``conditions[2].select.skus[0]``)."""

from collections.abc import Collection
from dataclasses import dataclass

from pydantic import ValidationError

from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.promotions import model


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What rules may refer to."""

    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    """Catalogue paths and category names (a till may send either)."""
    brands: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    segments: frozenset[str] | None = None
    """None: segments are not checked (they may be defined after the promotion)."""


def field_path(loc: tuple, tags: Collection[str] | None = None) -> str:
    """``('conditions', 2, 'items', 'min_qty')`` -> ``conditions[2].min_qty`` (the union's tag,
    which pydantic puts after the index, is dropped; ``tags``: the union's tags, by default the
    promotion's)."""
    tags = TAGS if tags is None else tags
    out = ""
    previous: object = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(previous, int) and part in tags:
            pass
        else:
            out += f".{part}" if out else str(part)
        previous = part
    return out or "body"


TAGS = {
    cls.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for union in (model.Condition, model.Effect)
    for cls in union.__origin__.__args__  # type: ignore[attr-defined]
}


def parse_rules(data: dict) -> model.PromotionRules:
    """Validate the rules' shape; InvalidRecord names every bad field."""
    try:
        return model.PromotionRules.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord(
            [FieldError(field_path(e["loc"]), e["msg"]) for e in exc.errors()]
        ) from None


def _selector(path: str, selector: model.Selector, catalogue: Catalogue) -> list[FieldError]:
    errors = []
    for name, known, what in (
        ("skus", catalogue.skus, "sku"),
        ("categories", catalogue.categories, "category"),
        ("brands", catalogue.brands, "brand"),
    ):
        for i, value in enumerate(getattr(selector, name)):
            if value not in known:
                errors.append(FieldError(f"{path}.{name}[{i}]", f"unknown {what} {value!r}"))
    return errors


def check_references(rules: model.PromotionRules, catalogue: Catalogue) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, c in enumerate(rules.conditions):
        path = f"conditions[{i}]"
        if isinstance(c, model.Items):
            errors += _selector(f"{path}.select", c.select, catalogue)
        elif isinstance(c, model.StoreIn):
            errors += [
                FieldError(f"{path}.stores[{j}]", f"unknown store {s!r}")
                for j, s in enumerate(c.stores)
                if s not in catalogue.stores
            ]
        elif isinstance(c, model.CustomerLevel):
            errors += [
                FieldError(f"{path}.levels[{j}]", f"unknown level {s!r}")
                for j, s in enumerate(c.levels)
                if s not in catalogue.levels
            ]
        elif isinstance(c, model.CustomerSegment) and catalogue.segments is not None:
            errors += [
                FieldError(f"{path}.segments[{j}]", f"unknown segment {s!r}")
                for j, s in enumerate(c.segments)
                if s not in catalogue.segments
            ]
    for i, e in enumerate(rules.effects):
        path = f"effects[{i}]"
        if isinstance(e, model.Gift) and e.sku not in catalogue.skus:
            errors.append(FieldError(f"{path}.sku", f"unknown sku {e.sku!r}"))
        select = getattr(e, "select", None)
        if select is not None:
            errors += _selector(f"{path}.select", select, catalogue)
    return errors


def validate_rules(data: dict, catalogue: Catalogue) -> model.PromotionRules:
    """Shape and references; InvalidRecord with every problem found."""
    rules = parse_rules(data)
    errors = check_references(rules, catalogue)
    if errors:
        raise InvalidRecord(errors)
    return rules
