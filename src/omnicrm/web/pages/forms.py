"""Reading posted forms: text fields trimmed and bounded, problems collected per field so a page
can show each one beside its input and change nothing."""

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from omnicrm.core.errors import InvalidRecord


@dataclass
class FormErrors:
    """Catalogue ids of problems, by field name."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    @classmethod
    def of(cls, exc: InvalidRecord) -> "FormErrors":
        errors = cls()
        for problem in exc.errors:
            errors.add(problem.field, problem.message)
        return errors


def text(form: FormData, name: str) -> str:
    """A field's value, trimmed (an absent field reads as empty)."""
    return str(form.get(name, "")).strip()


def safe_next(target: str | None, default: str) -> str:
    """Only paths on this site: ``next=//evil.example`` would leave it."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default
