"""Message templates marketers write, in Liquid (python-liquid), with the render limits Liquid
leaves off by default: a template is untrusted input, so a loop, an output or a nesting that runs
away stops with an error instead of taking the sender down.

A template sees one customer's ``Personal`` values (``{{ first_name }}``, ``{{ level }}``,
``{{ balance }}``, ``{{ points_expiring }}``, ``{{ points_expire_on }}``, ``{{ offer_code }}``).
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


PERSONAL = tuple(f.name for f in fields(Personal))


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None


class Template:
    """A variant's parts, parsed once and rendered per recipient, each part with only the
    values it names (a launch renders a million of them: a smaller context is a faster one)."""

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
        self._names = {
            name: tuple(n for n in t.global_variables() if n in PERSONAL or n == UNSUBSCRIBE)
            for name, t in parsed.items()
        }
        self._places_link = {n: UNSUBSCRIBE in s for n, s in (("text", text), ("html", html or ""))}

    def render(self, who: Personal, unsubscribe_url: str | None) -> Rendered:
        """The parts for ``who``; a marketing e-mail (``unsubscribe_url`` given) always carries
        the link in both parts. Raises InvalidRecord when a limit is hit."""

        def value(name: str) -> object:
            return unsubscribe_url if name == UNSUBSCRIBE else getattr(who, name)

        try:
            out = {
                part: t.render({n: value(n) for n in self._names[part]})
                for part, t in self._parts.items()
            }
        except LiquidError as exc:
            raise InvalidRecord([FieldError("template", str(exc))]) from None
        text, html = out["text"], out.get("html")
        if unsubscribe_url is not None:
            if not self._places_link["text"]:
                text += f"\n\n--\nUnsubscribe: {unsubscribe_url}\n"
            if html is not None and not self._places_link["html"]:
                html += f'<p><a href="{unsubscribe_url}">Unsubscribe</a></p>'
        return Rendered(out.get("subject"), text, html)
