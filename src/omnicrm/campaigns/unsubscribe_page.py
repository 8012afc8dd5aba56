"""The unsubscribe link every marketing message carries: ``GET /u/{token}`` asks, ``POST``
withdraws the consent for that channel (appended, so the history keeps it). Asking first
because mail scanners open links; the POST is also what RFC 8058 one-click unsubscribe sends."""

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from omnicrm.api.deps import EngineDep, NowDep
from omnicrm.campaigns.unsubscribe import read_token
from omnicrm.privacy.consents import ConsentChange, change_consents
from omnicrm.store.db import unit_of_work

router = APIRouter(include_in_schema=False)

CHANNEL_RU = {"email": "e-mail", "sms": "SMS", "push": "push", "messenger": "мессенджер"}


def _page(body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="ru"><meta charset="utf-8"><title>Подписка</title>'
        f"<body>{body}</body></html>"
    )


@router.get("/u/{token}")
def ask(token: str) -> HTMLResponse:
    request = read_token(token)
    channel = escape(CHANNEL_RU.get(request.channel, request.channel))
    return _page(
        f"<p>Отписаться от рассылки ({channel})? / Unsubscribe from {escape(request.channel)}?</p>"
        f'<form method="post"><button type="submit">Отписаться / Unsubscribe</button></form>'
    )


@router.post("/u/{token}")
def withdraw(token: str, engine: EngineDep, now: NowDep) -> HTMLResponse:
    request = read_token(token)
    with unit_of_work(engine) as session:
        change_consents(
            session,
            request.customer_id,
            [ConsentChange(request.channel, False)],
            source="unsubscribe_link",
            now=now,
        )
    return _page("<p>Вы отписаны. / You are unsubscribed.</p>")
