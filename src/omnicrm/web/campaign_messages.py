"""Texts of the audience, campaign and trigger pages (English is the message id itself), and the
Russian of what ``campaigns`` says in English: field problems and the results' verdict, matched
by pattern."""

import re
from collections.abc import Callable

from omnicrm.campaigns.promotion_romi import BASIS
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
    **{f"romi_basis:{k}": v for k, v in BASIS.items()},
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
    "action:schedule_campaign": "планирование кампании",
    "action:unschedule_campaign": "снятие кампании с расписания",
    "action:pause_campaign": "приостановка кампании",
    "action:save_sending_policy": "изменение лимитов и тихих часов",
    "All channels, per day": "Все каналы, в день",
    "All channels, per week": "Все каналы, в неделю",
    "Per channel, per day": "Один канал, в день",
    "Per channel, per week": "Один канал, в неделю",
    "Quiet hours from (hour)": "Тихие часы с (час)",
    "Quiet hours until (hour)": "Тихие часы до (час)",
    "Caps and quiet hours": "Лимиты и тихие часы",
    "Marketing messages one customer may get, in their own time zone; transactional messages "
    "are not capped. The sending worker applies a change from its next batch.": (
        "Сколько маркетинговых сообщений может получить один клиент, по его местному времени; "
        "транзакционные не ограничиваются. Рассылка применяет изменение со следующей пачки."
    ),
    "Sending policy saved": "Лимиты и тихие часы сохранены",
    "Campaign scheduled": "Кампания запланирована",
    "Schedule the launch": "Запланировать запуск",
    "The campaign launches itself at this time: its audience is frozen then and its messages "
    "queued.": (
        "Кампания запустится сама в это время: тогда же зафиксируется аудитория и сообщения "
        "встанут в очередь."
    ),
    "Schedule": "Запланировать",
    "Remove the schedule": "Снять с расписания",
    "Schedule removed: the campaign is a draft": "Расписание снято: кампания снова черновик",
    "The campaign is not scheduled": "Кампания не запланирована",
    "The campaign is launched: its start is fixed": "Кампания запущена: её старт уже не изменить",
    "Starts": "Старт",
    "Date": "Дата",
    "Time": "Время",
    "Time zone": "Часовой пояс",
    "Enter a time": "Введите время",
    "Pause sending": "Приостановить отправку",
    "Sending paused": "Отправка приостановлена",
    "The campaign is already paused": "Кампания уже приостановлена",
    "Send a test": "Тестовая отправка",
    "Every variant rendered for a real customer and sent now to your address, marked [TEST]; "
    "it is not counted in the results or the caps.": (
        "Каждый вариант для реального клиента отправляется сейчас на ваш адрес с пометкой "
        "[TEST]; в результаты и лимиты не засчитывается."
    ),
    "Send to": "Куда отправить",
    "Send test": "Отправить тест",
    "Test sent to {to}": "Тест отправлен на {to}",
    "The test was not sent: {detail}": "Тест не отправлен: {detail}",
    "No provider is configured for this channel": "Для этого канала не настроен провайдер",
    "Measure ROMI": "Рассчитать ROMI",
    "Compared": "Сравнение",
    "Cost = the discounts the promotion gave the treated ({discounts}) + its points ({points}) "
    "at {value} each; ROMI = (incremental revenue × margin − cost) / cost.": (
        "Затраты = скидки акции получателям ({discounts}) + её баллы ({points}) по {value}; "
        "ROMI = (дополнительная выручка × маржа − затраты) / затраты."
    ),
    "romi_basis:campaign_control": "кампании, отправившие акцию, против их контрольных групп",
    "romi_basis:offer_holdout": (
        "клиенты с персональным предложением против отложенной контрольной группы"
    ),
    "romi_basis:users_vs_buyers": (
        "воспользовавшиеся акцией против купивших без неё за тот же период: выборка не "
        "случайная (кто пользуется акцией, отличается от тех, кто нет), это не её эффект"
    ),
    "action:enable_trigger": "включение триггера",
    "action:disable_trigger": "выключение триггера",
}

LIMIT_NAMES_RU = {
    "channel_week": "лимит канала в неделю",
    "day": "лимит всех каналов в день",
    "week": "лимит всех каналов в неделю",
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
    (
        r"not significant: users against non-users is not a randomised comparison",
        lambda m: "незначимо: сравнение воспользовавшихся с остальными не рандомизировано",
    ),
    (r"at the till: one of (.*)", lambda m: f"На кассе: одно из {m[1]}"),
    (r"one of (.*)", lambda m: f"Одно из: {m[1]}"),
    (r"must be in the future", lambda m: "Должно быть в будущем"),
    (r"must be before the campaign expires", lambda m: "Должно быть раньше окончания кампании"),
    (r"unknown time zone (.*)", lambda m: f"Неизвестный часовой пояс {m[1]}"),
    (r"a number of messages, 0\.\.(\d+)", lambda m: f"Число сообщений от 0 до {m[1]}"),
    (r"an hour, 0\.\.23", lambda m: "Час от 0 до 23"),
    (r"may not exceed (\w+)", lambda m: f"Не больше, чем {LIMIT_NAMES_RU.get(m[1], m[1])}"),
    (r"not an e-mail address: (.*)", lambda m: f"Это не адрес e-mail: {m[1]}"),
    (r"not a phone number.*: (.*)", lambda m: f"Это не номер телефона: {m[1]}"),
    (r"basis points, 0\.\.10000", lambda m: "От 0 до 100 %"),
    (r"1\.\.365 days", lambda m: "От 1 до 365 дней"),
    (r"at least one variant", lambda m: "Нужен хотя бы один вариант"),
    (r"variant names must be unique", lambda m: "Имена вариантов не должны повторяться"),
    (r"an e-mail needs a subject", lambda m: "У письма должна быть тема"),
)


def problem_ru(message: str) -> str | None:
    return promo_messages.problem_ru(message, PATTERNS_RU)


def verdict(lang: str, sentence: str) -> str:
    """``measure``'s verdict in the viewer's language (it is written in English)."""
    return (problem_ru(sentence) or sentence) if lang == "ru" else sentence
