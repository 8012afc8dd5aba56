"""Russian for the downloads (the lines above a table, a cut's "first N of M") and for the charts
that read (the "other" series, compact figures)."""

RU: dict[str, str] = {
    "Download every table (Excel)": "Скачать все таблицы (Excel)",
    "First {shown} of {total} rows": "Первые {shown} из {total} строк",
    "Show all": "Показать все",
    "Period: {period}": "Период: {period}",
    "Filters: {filters}": "Фильтры: {filters}",
    "First {shown} of {total} rows: raise “Rows” to get them all": (
        "Первые {shown} из {total} строк: чтобы получить все, увеличьте «Строк»"
    ),
    "Loyalty programme KPIs": "KPI программы лояльности",
    "Loyalty trends by month": "Динамика программы лояльности по месяцам",
    "Loyalty trends by week": "Динамика программы лояльности по неделям",
    "Other stores": "Остальные магазины",
    "ABC / XYZ analysis: items": "ABC/XYZ-анализ: позиции",
}

EN: dict[str, str] = {}
