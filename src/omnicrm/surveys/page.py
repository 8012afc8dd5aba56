"""The public survey page an invitation links to: ``GET /s/{token}`` shows the questionnaire,
``POST`` takes the answer once (a second one is refused, bad input is named beside its field).
No sign-in: the signed token is the key."""

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from omnicrm.api.deps import EngineDep, NowDep
from omnicrm.core.errors import Conflict, InvalidRecord
from omnicrm.surveys.answers import answer_invitation, open_invitation
from omnicrm.surveys.questionnaire import Questionnaire

router = APIRouter(include_in_schema=False)

HINT = {
    "nps": "0 — точно не порекомендую / not at all likely, 10 — обязательно / extremely likely",
    "csi": "1 — очень недоволен / very dissatisfied, 5 — очень доволен / very satisfied",
}


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="ru"><meta charset="utf-8"><title>Опрос / Survey</title>'
        f"<body>{body}</body></html>",
        status_code=status,
    )


def _form(survey: Questionnaire, errors: dict[str, str], given: dict[str, str]) -> str:
    low, high = survey.scale
    parts = [f"<h1>{escape(survey.name)}</h1><p>{HINT[survey.kind]}</p><form method='post'>"]
    for q in survey.questions:
        options = "".join(
            f"<label><input type='radio' name='{q.id}' value='{v}'"
            f"{' checked' if given.get(q.id) == str(v) else ''}>{v}</label> "
            for v in range(low, high + 1)
        )
        error = errors.get(f"answers.{q.id}")
        note = f"<span class='error' role='alert'>{escape(error)}</span>" if error else ""
        parts.append(f"<fieldset><legend>{escape(q.text)}</legend>{options}{note}</fieldset>")
    comment_error = errors.get("comment")
    parts.append(
        "<label>Комментарий / Comment<br><textarea name='comment' maxlength='4000'>"
        f"{escape(given.get('comment', ''))}</textarea></label>"
        + (
            f"<span class='error' role='alert'>{escape(comment_error)}</span>"
            if comment_error
            else ""
        )
        + "<p><button type='submit'>Отправить / Send</button></p></form>"
    )
    return "".join(parts)


@router.get("/s/{token}")
def ask(token: str, engine: EngineDep) -> HTMLResponse:
    with engine.connect() as conn:
        invitation, survey = open_invitation(conn, token)
    if invitation.answered_at is not None:
        return _page("<p>Спасибо, вы уже ответили. / Thank you, you have answered already.</p>")
    return _page(_form(survey, {}, {}))


@router.post("/s/{token}")
async def answer(token: str, request: Request, engine: EngineDep, now: NowDep) -> HTMLResponse:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    comment = form.pop("comment", None)
    try:
        with engine.begin() as conn:
            answer_invitation(conn, token, form, comment, now)
    except InvalidRecord as exc:
        with engine.connect() as conn:
            _, survey = open_invitation(conn, token)
        errors = {e.field: e.message for e in exc.errors}
        return _page(_form(survey, errors, {**form, "comment": comment or ""}), status=422)
    except Conflict:
        return _page("<p>Ответ уже получен. / This survey was already answered.</p>", status=409)
    return _page("<p>Спасибо за ответ! / Thank you for your answer!</p>")
