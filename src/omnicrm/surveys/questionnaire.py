"""A questionnaire is data: NPS asks one 0-10 "how likely are you to recommend us" question,
CSI asks 1 to 10 satisfaction questions scored 1-5. Pure checks; every error names its field."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omnicrm.core.errors import FieldError, InvalidRecord

EXAMPLES = Path(__file__).with_name("questionnaires")
"""The bundled questionnaires (``nps.json``, ``csi.json``)."""

SCALES = {"nps": (0, 10), "csi": (1, 5)}
"""Per kind, the scale of every question (the imported ``surveys`` source uses the same)."""
MAX_QUESTIONS = {"nps": 1, "csi": 10}
COMMENT_MAX = 4000


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Questionnaire:
    code: str
    name: str
    kind: str  # nps | csi
    questions: tuple[Question, ...]

    @property
    def scale(self) -> tuple[int, int]:
        return SCALES[self.kind]


def parse(code: str, name: str, kind: str, questions: Any) -> Questionnaire:
    """The questionnaire, or InvalidRecord naming each bad field."""
    errors: list[FieldError] = []
    if kind not in SCALES:
        errors.append(FieldError("kind", "must be nps or csi"))
    if not isinstance(questions, list) or not questions:
        errors.append(FieldError("questions", "must be a non-empty list"))
        raise InvalidRecord(errors)
    if kind in MAX_QUESTIONS and len(questions) > MAX_QUESTIONS[kind]:
        errors.append(FieldError("questions", f"a {kind} survey has at most {MAX_QUESTIONS[kind]}"))
    parsed, seen = [], set()
    for i, q in enumerate(questions):
        qid = q.get("id") if isinstance(q, Mapping) else None
        text = q.get("text") if isinstance(q, Mapping) else None
        if not isinstance(qid, str) or not qid.isidentifier() or len(qid) > 40:
            errors.append(FieldError(f"questions[{i}].id", "must be a short identifier"))
        elif qid in seen:
            errors.append(FieldError(f"questions[{i}].id", f"{qid!r} is used twice"))
        if not isinstance(text, str) or not text.strip() or len(text) > 500:
            errors.append(FieldError(f"questions[{i}].text", "must be 1 to 500 characters"))
        seen.add(qid)
        parsed.append(Question(str(qid), str(text)))
    if errors:
        raise InvalidRecord(errors)
    return Questionnaire(code, name, kind, tuple(parsed))


@dataclass(frozen=True, slots=True)
class Answer:
    scores: dict[str, int]  # question id -> score on the kind's scale
    comment: str | None

    def overall(self, kind: str) -> float:
        """The answer's one score: NPS's only question, CSI's mean over its questions."""
        values = list(self.scores.values())
        return float(values[0]) if kind == "nps" else sum(values) / len(values)


def read_answer(survey: Questionnaire, given: Mapping[str, Any], comment: Any) -> Answer:
    """Check an answer against the questionnaire: every question answered on its scale."""
    low, high = survey.scale
    errors: list[FieldError] = []
    scores: dict[str, int] = {}
    for q in survey.questions:
        value = given.get(q.id)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if value is None or value == "":
            errors.append(FieldError(f"answers.{q.id}", "is required"))
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.append(FieldError(f"answers.{q.id}", f"must be a whole number {low} to {high}"))
        else:
            scores[q.id] = value
    unknown = sorted(set(given) - {q.id for q in survey.questions})
    errors.extend(FieldError(f"answers.{k}", "is not a question of this survey") for k in unknown)
    if comment is not None and (not isinstance(comment, str) or len(comment) > COMMENT_MAX):
        errors.append(FieldError("comment", f"must be text of at most {COMMENT_MAX} characters"))
    if errors:
        raise InvalidRecord(errors)
    return Answer(scores, comment.strip() or None if isinstance(comment, str) else None)
