"""Message templates marketers write, in Liquid (python-liquid), with the render limits Liquid
leaves off by default: a template is untrusted input, so a loop, an output or a nesting that runs
away stops with an error instead of taking the sender down.

A template sees one customer's ``Personal`` values (``{{ first_name }}``, ``{{ level }}``,
``{{ balance }}``, ``{{ points_expiring }}``, ``{{ points_expire_on }}``, ``{{ offer_code }}``,
``{% for name in recommended limit: 3 %}`` over the recommender's products for them).
Every marketing e-mail gets a plain-text part and the unsubscribe link (``unsubscribe_url``),
appended when the template does not place it."""

from dataclasses import dataclass, fields
from datetime import date

from liquid import Environment
from liquid.exceptions import LiquidError

from omnicrm.core.errors import FieldError, InvalidRecord


class Sandbox(Environment):
    loop_iteration_limit = 1_000
    output_stream_limit = 100_000
    context_depth_limit = 10
    local_namespace_limit = 10_000


ENV = Sandbox()
UNSUBSCRIBE = "unsubscribe_url"
SEPARATOR = "\x00"
"""Joins a variant's parts into one template, rendered in one pass (a render's set-up costs as
much as a short part); a part whose output holds it is rendered on its own."""
STATELESS = frozenset({"if", "unless", "case", "comment", "raw", "doc"})
"""Tags that keep no state between parts (no assign, capture, counter, cycle, loop offset)."""


@dataclass(frozen=True, slots=True)
class Personal:
    """What a template may say about one customer."""

    customer_id: int
    first_name: str | None = None
    level: str | None = None
    balance: int = 0
    points_expiring: int = 0
    points_expire_on: date | None = None
    offer_code: str | None = None
    recommended: tuple[str, ...] = ()
    """Names of the products the recommender in force ranks first for them (best first)."""


PERSONAL = tuple(f.name for f in fields(Personal))
NAMES = frozenset((*PERSONAL, UNSUBSCRIBE))


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None


class Template:
    """A variant's parts, parsed once and rendered per recipient with only the values they
    name: in one pass over the joined parts when no part keeps state (the same output, a third
    faster), else part by part, and part by part again when the joined pass hits a limit."""

    def __init__(self, subject: str | None, text: str, html: str | None) -> None:
        errors, parsed = [], {}
        for name, source in (("subject", subject), ("text", text), ("html", html)):
            if source is None:
                continue
            try:
                parsed[name] = ENV.from_string(source)
            except LiquidError as exc:
                errors.append(FieldError(name, str(exc)))
        if errors:
            raise InvalidRecord(errors)
        self._parts = parsed
        self._names = tuple(
            {n for t in parsed.values() for n in t.global_variables() if n in NAMES}
        )
        sources = [s for s in (subject, text, html) if s is not None]
        stateless = all(set(t.analyze().tags) <= STATELESS for t in parsed.values())
        self._joined = ENV.from_string(SEPARATOR.join(sources)) if stateless else None
        self._places_link = {n: UNSUBSCRIBE in s for n, s in (("text", text), ("html", html or ""))}

    def render(self, who: Personal, unsubscribe_url: str | None) -> Rendered:
        """The parts for ``who``; a marketing e-mail (``unsubscribe_url`` given) always carries
        the link in both parts. Raises InvalidRecord when a limit is hit."""
        values = {n: unsubscribe_url if n == UNSUBSCRIBE else getattr(who, n) for n in self._names}
        try:
            out = self._joined_pass(values) or {n: t.render(values) for n, t in self._parts.items()}
        except LiquidError as exc:
            raise InvalidRecord([FieldError("template", str(exc))]) from None
        text, html = out["text"], out.get("html")
        if unsubscribe_url is not None:
            if not self._places_link["text"]:
                text += f"\n\n--\nUnsubscribe: {unsubscribe_url}\n"
            if html is not None and not self._places_link["html"]:
                html += f'<p><a href="{unsubscribe_url}">Unsubscribe</a></p>'
        return Rendered(out.get("subject"), text, html)

    def _joined_pass(self, values: dict[str, object]) -> dict[str, str] | None:
        """The parts rendered in one pass, or None when they must be rendered one by one."""
        if self._joined is None:
            return None
        try:
            out = self._joined.render(values).split(SEPARATOR)
        except LiquidError:  # a limit shared by the joined parts, or an error: say it per part
            return None
        return dict(zip(self._parts, out, strict=True)) if len(out) == len(self._parts) else None
