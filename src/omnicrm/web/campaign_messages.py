"""Texts of the audience, campaign and trigger pages (English is the message id itself), and the
Russian of what ``campaigns`` says in English: field problems and the results' verdict, matched
by pattern."""

import re
from collections.abc import Callable

from omnicrm.web import promo_messages

EN = {
    "campaign_status:draft": "draft",
    "campaign_status:scheduled": "scheduled",
    "campaign_status:launched": "launched",
    "trigger:welcome": "welcome after enrolment",
    "trigger:abandoned_cart": "abandoned cart",
    "trigger:abandoned_browse": "abandoned browse",
    "trigger:survey_purchase": "survey after a purchase",
    "trigger:survey_service": "survey after a service call",
    "trigger:birthday": "birthday",
    "trigger:points_expiring": "points expiring",
    "trigger:level_change": "level up or down",
    "trigger:win_back": "win-back",
    "trigger:post_purchase": "after a purchase",
}

RU = {
    "Audiences": "Аудитории",
    "Campaigns": "Кампании",
    "Triggers": "Триггеры",
    "New audience": "Новая аудитория",
    "Latest snapshot, customers": "Последний срез, клиентов",
    "Taken": "Снят",
    "Changed": "Изменена",
    "no snapshot yet": "срезов ещё нет",
    "No audiences yet": "Аудиторий пока нет",
    "Latest snapshot: {size} customers, taken {at}": "Последний срез: {size} клиентов, снят {at}",
    "Take a snapshot": "Снять срез",
    "Customers in the audience now: {n}": "Клиентов в аудитории сейчас: {n}",
    "Rule (JSON)": "Правило (JSON)",
    "Condition types": "Типы условий",
    "Count": "Посчитать",
    "Audience saved": "Аудитория сохранена",
    "Snapshot taken: {size} customers": "Срез снят: {size} клиентов",
    "The rule is not valid JSON": "Правило — не корректный JSON",
    "Field required": "Обязательное поле",
    "The rule has problems, see below": "В правиле есть ошибки, см. ниже",
    "New campaign": "Новая кампания",
    "Audience": "Аудитория",
    "Title": "Название",
    "Queued": "В очереди",
    "Sent": "Отправлено",
    "Launched": "Запущена",
    "No campaigns yet": "Кампаний пока нет",
    "paused": "приостановлена",
    "Control share, %": "Доля контрольной группы, %",
    "Measurement window, days": "Окно измерения, дней",
    "Variant {name}": "Вариант {name}",
    "Message subject": "Тема",
    "Text": "Текст",
    "Variant B is optional: leave it empty for one variant.": (
        "Вариант B необязателен: оставьте пустым, если вариант один."
    ),
    "Create": "Создать",
    "Campaign created": "Кампания создана",
    "A campaign with this code exists": "Кампания с таким кодом уже есть",
    "No such audience": "Такой аудитории нет",
    "Enter a number": "Введите число",
    "Variants": "Варианты",
    "Weight": "Вес",
    "Preview for a customer": "Предпросмотр для клиента",
    "Customer number": "Номер клиента",
    "Show": "Показать",
    "Enter a customer number": "Введите номер клиента",
    "No such customer": "Такого клиента нет",
    "Launch": "Запустить",
    "Launch again (queues only what is missing)": "Запустить снова (добавит только недостающее)",
    "Launched: {queued} messages queued, {control} customers in control": (
        "Запущена: в очереди {queued} сообщений, в контрольных группах {control} клиентов"
    ),
    "Sending paused: {reason}": "Отправка приостановлена: {reason}",
    "Resume sending": "Возобновить отправку",
    "Sending resumed": "Отправка возобновлена",
    "The campaign was not paused": "Кампания не была приостановлена",
    "Outbox": "Очередь отправки",
    "Results": "Результаты",
    "The campaign has not been launched yet.": "Кампания ещё не запущена.",
    "Treated": "Получатели",
    "Control": "Контроль",
    "Buyers": "Покупатели",
    "Conversion": "Конверсия",
    "Revenue per customer": "Выручка на клиента",
    "Average receipt": "Средний чек",
    "Revenue": "Выручка",
    "Conversion uplift": "Прирост конверсии",
    "Revenue uplift per customer": "Прирост выручки на клиента",
    "95% interval": "95% интервал",
    "Incremental revenue": "Дополнительная выручка",
    "Cost": "Затраты",
    "ROMI": "ROMI",
    "Verdict": "Вывод",
    "{pp} p.p.": "{pp} п. п.",
    "Conversion, 95% interval": "Конверсия, 95% интервал",
    "Cost = discounts and points redeemed by the treated in the window + {cost} per message; "
    "ROMI = (incremental revenue × margin {margin} − cost) / cost.": (
        "Затраты = скидки и списанные баллы получателей в окне + {cost} за сообщение; "
        "ROMI = (дополнительная выручка × маржа {margin} − затраты) / затраты."
    ),
    "Enabled": "Включён",
    "Last run": "Последний запуск",
    "Enable": "Включить",
    "Disable": "Выключить",
    "No triggers yet": "Триггеров пока нет",
    "Trigger enabled": "Триггер включён",
    "Trigger disabled": "Триггер выключен",
    "yes": "да",
    "no": "нет",
    "campaign_status:draft": "черновик",
    "campaign_status:scheduled": "запланирована",
    "campaign_status:launched": "запущена",
    "trigger:welcome": "приветствие после регистрации",
    "trigger:abandoned_cart": "брошенная корзина",
    "trigger:abandoned_browse": "просмотр без покупки",
    "trigger:survey_purchase": "опрос после покупки",
    "trigger:survey_service": "опрос после обращения",
    "trigger:birthday": "день рождения",
    "trigger:points_expiring": "сгорание баллов",
    "trigger:level_change": "смена уровня",
    "trigger:win_back": "возврат уходящих",
    "trigger:post_purchase": "после покупки",
    "message_status:queued": "в очереди",
    "message_status:held": "задержано",
    "message_status:retrying": "повтор",
    "message_status:sent": "отправлено",
    "message_status:bounced": "не доставлено",
    "message_status:dropped": "отброшено",
    "message_status:failed": "ошибка",
    "action:save_audience": "сохранение аудитории",
    "action:snapshot_audience": "срез аудитории",
    "action:create_campaign": "создание кампании",
    "action:launch_campaign": "запуск кампании",
    "action:resume_campaign": "возобновление кампании",
    "action:enable_trigger": "включение триггера",
    "action:disable_trigger": "выключение триггера",
}

Pattern = tuple[str, Callable[[re.Match], str]]
PATTERNS_RU: tuple[Pattern, ...] = (
    (
        r"not significant: (\d+) customers in the smaller group, below the minimum sample of (\d+)",
        lambda m: (
            f"незначимо: в меньшей группе {m[1]} клиентов, это меньше минимальной выборки {m[2]}"
        ),
    ),
    (
        r"significant: the conversion uplift's 95% interval excludes zero",
        lambda m: "значимо: 95% интервал прироста конверсии не включает ноль",
    ),
    (
        r"not significant: the conversion uplift's 95% interval includes zero",
        lambda m: "незначимо: 95% интервал прироста конверсии включает ноль",
    ),
    (r"one of (.*)", lambda m: f"Одно из: {m[1]}"),
    (r"basis points, 0\.\.10000", lambda m: "От 0 до 100 %"),
    (r"1\.\.365 days", lambda m: "От 1 до 365 дней"),
    (r"at least one variant", lambda m: "Нужен хотя бы один вариант"),
    (r"variant names must be unique", lambda m: "Имена вариантов не должны повторяться"),
    (r"an e-mail needs a subject", lambda m: "У письма должна быть тема"),
    (r"at the till: one of (.*)", lambda m: f"На кассе: одно из {m[1]}"),
)


def problem_ru(message: str) -> str | None:
    return promo_messages.problem_ru(message, PATTERNS_RU)


def verdict(lang: str, sentence: str) -> str:
    """``measure``'s verdict in the viewer's language (it is written in English)."""
    return (problem_ru(sentence) or sentence) if lang == "ru" else sentence
