"""The promotion constructor as a form: a promotion's rules (``promotions.model``) as flat fields
and rows of conditions and effects, and back.

Field names are the rules' own paths (``budget.money_minor``, ``conditions[1].select.skus``), so
a validation error such as ``conditions[1].select.skus[0]: unknown sku`` lands beside the field
it names. Money is typed in roubles (``1500`` or ``1 500,50``) and kept in kopecks; lists are
comma-separated; the period is local time of the workstation's zone."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from omnicrm.core.errors import FieldError
from omnicrm.web.pages.forms import FormErrors

MONEY, INT, DECIMAL, TEXT, LIST, INTS, DATE, TIME, BOOL, CHOICE = (
    "money", "int", "decimal", "text", "list", "ints", "date", "time", "bool", "choice",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Spec:
    """One input: ``name`` is its path inside the row or the rules."""

    name: str
    kind: str
    choices: tuple[str, ...] = ()
    picker: str = ""
    """A list picked from what exists (``promotions.queries.picker_options``, or the channels)
    instead of typed: ``levels``, ``categories``, ``brands``, ``stores``, ``channels`` as a
    multiple choice, ``segments`` as suggestions (a segment may be filled in later)."""


SELECTOR = (
    Spec("select.skus", LIST),
    Spec("select.categories", LIST, picker="categories"),
    Spec("select.brands", LIST, picker="brands"),
)
TARGET = Spec("target", CHOICE, ("receipt", "lines"))
CHANNELS = ("store", "web", "app", "call_centre", "marketplace")

CONDITIONS: dict[str, tuple[Spec, ...]] = {
    "cart_total": (Spec("min_minor", MONEY), Spec("max_minor", MONEY)),
    "items": (*SELECTOR, Spec("min_qty", INT), Spec("min_amount_minor", MONEY)),
    "customer_level": (Spec("levels", LIST, picker="levels"),),
    "customer_segment": (Spec("segments", LIST, picker="segments"),),
    "first_purchase": (),
    "birthday": (Spec("days_before", INT), Spec("days_after", INT)),
    "channel": (Spec("channels", LIST, picker="channels"),),
    "store": (Spec("stores", LIST, picker="stores"),),
    "dates": (Spec("start", DATE), Spec("end", DATE)),
    "time_of_day": (Spec("start", TIME), Spec("end", TIME)),
    "days_of_week": (Spec("days", INTS),),
    "coupon": (),
    "customer_attribute": (
        Spec("attribute", TEXT),
        Spec("op", CHOICE, ("eq", "ne", "in", "gte", "lte", "exists")),
        Spec("value", TEXT),
    ),
}
EFFECTS: dict[str, tuple[Spec, ...]] = {
    "percent_off": (Spec("percent", DECIMAL), TARGET, *SELECTOR),
    "amount_off": (Spec("amount_minor", MONEY), TARGET, Spec("per_unit", BOOL), *SELECTOR),
    "fixed_price": (Spec("price_minor", MONEY), *SELECTOR),
    "n_plus_one": (Spec("buy", INT), Spec("free", INT), *SELECTOR),
    "cheapest_free": (Spec("min_items", INT), *SELECTOR),
    "gift": (Spec("sku", TEXT), Spec("qty", INT)),
    "bonus_points": (Spec("points", INT),),
    "points_multiplier": (Spec("factor", DECIMAL), *SELECTOR),
    "message": (Spec("text", TEXT), Spec("audience", CHOICE, ("receipt", "cashier"))),
}
KINDS = {"conditions": CONDITIONS, "effects": EFFECTS}

HEAD = (
    Spec("name", TEXT),
    Spec("code", TEXT),
    Spec("description", TEXT),
    Spec("trigger", CHOICE, ("purchase", "coupon", "personal_offer")),
    Spec("priority", INT),
    Spec("stacking", CHOICE, ("stack", "priority", "best", "exclusive")),
    Spec("starts_at", DATE),
    Spec("ends_at", DATE),
)
BUDGET = (
    Spec("budget.money_minor", MONEY),
    Spec("budget.points", INT),
    Spec("budget.redemptions", INT),
    Spec("budget.per_customer_money_minor", MONEY),
    Spec("budget.per_customer_points", INT),
    Spec("budget.per_customer_redemptions", INT),
)
LIMITS = (
    Spec("limits.max_applications", INT),
    Spec("limits.max_discount_share_pct", DECIMAL),
    Spec("limits.max_discount_minor", MONEY),
)
MAX_ROWS = 20
SUGGESTED = ("segments",)
"""Pickers that suggest (a datalist) rather than restrict (a multiple choice)."""


@dataclass
class Row:
    """A condition or an effect as typed: its type and raw text per field."""

    type: str
    values: dict[str, str] = field(default_factory=dict)

    def specs(self, kind: str) -> tuple[Spec, ...]:
        return KINDS[kind].get(self.type, ())


@dataclass
class Draft:
    """The whole form as typed (strings), so a refused form comes back as the person left it."""

    values: dict[str, str] = field(default_factory=dict)
    conditions: list[Row] = field(default_factory=list)
    effects: list[Row] = field(default_factory=list)

    def rows(self, kind: str) -> list[Row]:
        return self.conditions if kind == "conditions" else self.effects


def new_draft() -> Draft:
    return Draft(
        values={"trigger": "purchase", "stacking": "stack", "priority": "100"},
        effects=[Row("percent_off", {"target": "receipt"})],
    )


# --- from the posted form -------------------------------------------------------------------


def _posted(form: FormData, name: str) -> str:
    """A field's text; a multiple choice posts one value per option picked, joined as a list."""
    return ", ".join(v for v in (str(x).strip() for x in form.getlist(name)) if v)


def read_form(form: FormData) -> Draft:
    """The draft as posted; rows are numbered ``conditions[i]`` / ``effects[i]`` in order."""
    draft = Draft(values={s.name: str(form.get(s.name, "")).strip() for s in (*HEAD, *BUDGET)})
    draft.values |= {s.name: str(form.get(s.name, "")).strip() for s in LIMITS}
    for kind, types in KINDS.items():
        for i in range(MAX_ROWS):
            kind_name = str(form.get(f"{kind}[{i}].type", "")).strip()
            if not kind_name:
                continue
            row = Row(kind_name if kind_name in types else next(iter(types)))
            for spec in row.specs(kind):
                row.values[spec.name] = _posted(form, f"{kind}[{i}].{spec.name}")
            draft.rows(kind).append(row)
    return draft


def edit(draft: Draft, action: str, form: FormData) -> bool:
    """Apply an editing button (add / remove a row); False when ``action`` is no such button."""
    if action in ("add_condition", "add_effect"):
        kind = "conditions" if action == "add_condition" else "effects"
        wanted = str(form.get(f"new_{kind}_type", ""))
        rows = draft.rows(kind)
        if wanted in KINDS[kind] and len(rows) < MAX_ROWS:
            rows.append(Row(wanted))
        return True
    match = re.fullmatch(r"remove:(conditions|effects):(\d+)", action)
    if match:
        rows = draft.rows(match[1])
        if int(match[2]) < len(rows):
            del rows[int(match[2])]
        return True
    return action == "refresh"


def _money(text: str) -> int:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".").replace("₽", "")
    value = Decimal(cleaned)
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise InvalidOperation
    return int(value * 100)


PARSE_ERRORS = {
    MONEY: "Enter an amount in roubles, e.g. 1500 or 1500,50",
    INT: "Enter a whole number",
    DECIMAL: "Enter a number, e.g. 10 or 7,5",
    INTS: "Enter whole numbers separated by commas",
    DATE: "Enter a date",
    TIME: "Enter a time such as 09:00",
}


def _value(spec: Spec, text: str, zone: ZoneInfo, *, end: bool = False) -> Any:
    kind = spec.kind
    if kind == MONEY:
        return _money(text)
    if kind == INT:
        return int(text.replace(" ", ""))
    if kind == DECIMAL:
        return str(Decimal(text.replace(",", ".")))
    if kind == LIST:
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == INTS:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    if kind == BOOL:
        return text == "on"
    if kind == DATE and spec.name in ("starts_at", "ends_at"):
        day = datetime.fromisoformat(text).date()
        at = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
        return at.replace(microsecond=0, tzinfo=zone).isoformat()
    if kind == DATE:
        return datetime.fromisoformat(text).date().isoformat()
    if kind == TIME:
        return datetime.strptime(text, "%H:%M").time().isoformat()
    return text


def _put(target: dict, path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        _put(target.setdefault(head, {}), rest, value)
    else:
        target[head] = value


def _fill(target: dict, specs: tuple[Spec, ...], values: dict, prefix: str, zone, errors) -> None:  # type: ignore[no-untyped-def]
    for spec in specs:
        text = values.get(spec.name, "")
        if text == "" and spec.kind != BOOL:
            continue
        try:
            value = _value(spec, text, zone, end=spec.name == "ends_at")
        except (ValueError, InvalidOperation):
            errors.add(f"{prefix}{spec.name}", PARSE_ERRORS.get(spec.kind, "Check this value"))
            continue
        if spec.name == "value" and prefix.startswith("conditions"):
            op = values.get("op")
            value = _value(Spec("v", LIST), text, zone) if op == "in" else value
            value = (
                int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value) else value
            )
        _put(target, spec.name, value)


def to_rules(draft: Draft, zone: ZoneInfo) -> tuple[dict, FormErrors]:
    """The rules the form describes, and the fields that could not be read."""
    errors = FormErrors()
    data: dict[str, Any] = {}
    _fill(data, (*HEAD, *BUDGET, *LIMITS), draft.values, "", zone, errors)
    for kind in KINDS:
        data[kind] = []
        for i, row in enumerate(draft.rows(kind)):
            item: dict[str, Any] = {"type": row.type}
            _fill(item, row.specs(kind), row.values, f"{kind}[{i}].", zone, errors)
            data[kind].append(item)
    return data, errors


# --- from stored rules ----------------------------------------------------------------------


def _text(spec: Spec, value: Any, zone: ZoneInfo, lang: str) -> str:
    if value is None:
        return ""
    if spec.kind == MONEY:
        text = f"{Decimal(value).scaleb(-2):f}"
        return text.replace(".", ",") if lang == "ru" else text
    if spec.kind in (LIST, INTS) or isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if spec.kind == BOOL:
        return "on" if value else ""
    if spec.kind == DATE and spec.name in ("starts_at", "ends_at"):
        return datetime.fromisoformat(value).astimezone(zone).date().isoformat()
    if spec.kind == TIME:
        return str(value)[:5]
    return str(value)


def _get(source: dict, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(source, dict):
            return None
        source = source.get(part)  # type: ignore[assignment]
    return source


def from_rules(rules: dict, zone: ZoneInfo, lang: str) -> Draft:
    draft = Draft()
    for spec in (*HEAD, *BUDGET, *LIMITS):
        draft.values[spec.name] = _text(spec, _get(rules, spec.name), zone, lang)
    for kind in KINDS:
        for item in rules.get(kind, []):
            row = Row(item["type"])
            for spec in row.specs(kind):
                row.values[spec.name] = _text(spec, _get(item, spec.name), zone, lang)
            draft.rows(kind).append(row)
    return draft


# --- errors beside their fields -------------------------------------------------------------


def field_names(draft: Draft) -> set[str]:
    names = {s.name for s in (*HEAD, *BUDGET, *LIMITS)} | set(KINDS)
    for kind in KINDS:
        for i, row in enumerate(draft.rows(kind)):
            names.add(f"{kind}[{i}]")
            names.add(f"{kind}[{i}].type")
            names |= {f"{kind}[{i}].{s.name}" for s in row.specs(kind)}
    return names


def place(problems: list[FieldError], draft: Draft, errors: FormErrors) -> None:
    """Put each of the model's problems on the input it names: ``conditions[1].select.skus[0]``
    -> ``conditions[1].select.skus``; a path the form has no input for goes to the nearest row
    (``conditions[1]``) or to the whole form (``rules``); the period's error to ``ends_at``."""
    names = field_names(draft)
    for problem in problems:
        path = problem.field
        if path == "body":
            path = "ends_at" if "ends_at" in problem.message else "rules"
        while path not in names and path != "rules":
            trimmed = re.sub(r"(\[\d+\]|\.[^.\[\]]+)$", "", path)
            path = trimmed if trimmed and trimmed != path else "rules"
        errors.add(path, problem.message)


def dom_id(name: str) -> str:
    """``conditions[1].select.skus`` -> ``conditions-1-select-skus`` (CSS-friendly)."""
    return re.sub(r"[\[\].]+", "-", name).strip("-")
