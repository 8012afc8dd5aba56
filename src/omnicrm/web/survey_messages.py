"""Russian texts of the surveys page (English is the message id itself)."""

RU = {
    "Surveys": "Опросы",
    "No survey yet. Create one with: omnicrm surveys create FILE": (
        "Опросов пока нет. Создайте: omnicrm surveys create ФАЙЛ"
    ),
    "By store": "По магазинам",
    "By channel": "По каналам",
    "By month": "По месяцам",
    "Group": "Группа",
    "Answers": "Ответы",
    "Promoters": "Промоутеры",
    "Passives": "Нейтральные",
    "Detractors": "Критики",
    "Satisfied, %": "Довольны, %",
    "All answers": "Все ответы",
    "none": "нет",
    "NPS = % promoters (9-10) minus % detractors (0-6).": (
        "NPS = % промоутеров (9-10) минус % критиков (0-6)."
    ),
    "CSI = mean satisfaction (1-5); satisfied = 4 or 5.": (
        "CSI = средняя удовлетворённость (1-5); довольны — 4 или 5."
    ),
    "NPS by month": "NPS по месяцам",
    "CSI by month": "CSI по месяцам",
    "{n} answers": "ответов: {n}",
}
