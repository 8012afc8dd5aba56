"""Russian texts of the finance page (the points liability report) and of the member's account
on the 360 page (expiring points, visits, challenges); English needs only the labels of stored
codes."""

from omnicrm.loyalty.liability_store import METHOD

EN = {
    "role:finance": "Finance",
    "owes:operator": "we pay the partner",
    "owes:partner": "the partner pays us",
}

RU = {
    "role:finance": "Финансы",
    "owes:operator": "платим партнёру",
    "owes:partner": "партнёр платит нам",
    "Points liability": "Обязательства по баллам",
    "As of the end of": "На конец дня",
    "Download": "Скачать",
    "What the program owes": "Что программа должна",
    "Outstanding points": "Баллы в обращении",
    "pending": "ожидают",
    "active points": "активные",
    "Their value": "Их стоимость",
    "Expected breakage": "Ожидаемое несписание",
    "Deferred revenue": "Отложенная выручка",
    "Past expiry, not yet burnt": "Истекли, ещё не списаны",
    "Debt of members": "Долг участников",
    "Ledger balance": "Остаток по журналу",
    "One point = {value}.": "Один балл = {value}.",
    "Matured cohorts: {n}; ultimate redemption {share}.": (
        "Завершённых когорт: {n}; итоговая доля списания {share}."
    ),
    METHOD: (
        "Несписание по месячным когортам начислений: завершённые когорты (без живых баллов) "
        "дают долю чистых начисленных баллов, списанных к каждому возрасту в месяцах; молодая "
        "когорта, как ожидается, спишет свои чистые баллы × (итоговая доля − доля к её "
        "возрасту), не больше, чем у неё живых баллов; без завершённых когорт несписание не "
        "предполагается. Отложенная выручка = стоимость живых баллов × (1 − ожидаемое "
        "несписание). Месяцы — по UTC."
    ),
    "Roll-forward by month": "Движение баллов по месяцам",
    "Month": "Месяц",
    "Opening": "На начало",
    "Points issued": "Начислено",
    "Redeemed": "Списано",
    "Expired": "Сгорело",
    "Reversed": "Отменено",
    "Closing": "На конец",
    "Outstanding points by expiry month": "Баллы в обращении по месяцу сгорания",
    "Expiry month": "Сгорают",
    "Value": "Стоимость",
    "Settlement this month": "Взаиморасчёты за месяц",
    "Partner": "Партнёр",
    "Balance": "Сальдо",
    "Who pays": "Кто платит",
    "co-branded card": "кобрендовая карта",
    "Cohorts of points": "Когорты баллов",
    "Earned in": "Начислены в",
    "Age, months": "Возраст, мес.",
    "Outstanding": "В обращении",
    "matured": "завершена",
    "Expiring within 30 days": "Сгорят за 30 дней",
    "within 60 days": "за 60 дней",
    "within 90 days": "за 90 дней",
    "Purchases": "Покупки",
    "Store visits": "Визиты в магазины",
    "{n} without a purchase": "без покупки: {n}",
    "Challenges this month": "Задания этого месяца",
    "badge earned: {badge}": "получен значок: {badge}",
    "Badges": "Значки",
}
