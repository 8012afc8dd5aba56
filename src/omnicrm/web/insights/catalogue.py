"""Words of the dashboard and analytics pages: Russian for every message id, and in both languages
the labels of the analyses' codes (``col:`` columns, ``kpi:`` KPIs, ``segment:`` RFM segments,
``stage:`` funnel stages, ``opt:`` values of the pages' own options)."""

RU: dict[str, str] = {
    # menu and common
    "Dashboard": "Дашборд",
    "Analytics": "Аналитика",
    "Filters": "Фильтры",
    "Period from": "Период с",
    "to": "по",
    "All": "Все",
    "Show": "Показать",
    "Reset": "Сбросить",
    "Store": "Магазин",
    "Segment": "Сегмент",
    "By": "Шаг",
    "Download CSV": "Скачать CSV",
    "Download Excel": "Скачать Excel",
    "Data as of {moment}": "Данные на {moment}",
    "Refresh data": "Обновить данные",
    "Snapshot refreshed: {orders} new orders in {seconds} s": (
        "Данные обновлены: {orders} новых заказов за {seconds} с"
    ),
    "Nothing in this period with these filters": "За этот период с такими фильтрами ничего нет",
    "Showing {shown} of {total} rows; the download has all of them": (
        "Показаны {shown} из {total} строк; в выгрузке — все"
    ),
    "Not a date: pick one in the calendar (YYYY-MM-DD)": (
        "Это не дата: выберите её в календаре (ГГГГ-ММ-ДД)"
    ),
    "The period must start on or before its last day": (
        "Начало периода должно быть не позже его последнего дня"
    ),
    "The period may be at most three years long": "Период — не длиннее трёх лет",
    "Unknown value: choose one from the list": "Неизвестное значение: выберите из списка",
    "Must be a whole number in the range shown": "Нужно целое число в указанных пределах",
    "This filter was not applied": "Этот фильтр не применён",
    "Open the report": "Открыть отчёт",
    "Table": "Таблица",
    "Chart": "График",
    "Notes": "Примечания",
    "Contact": "Контакт",
    "Previous period": "Прошлый период",
    "vs previous period": "к прошлому периоду",
    "All KPIs": "Все KPI",
    "Trends": "Динамика",
    "Loyalty KPIs": "KPI программы лояльности",
    "Loyal vs one-time customers": "Постоянные и разовые покупатели",
    "Average receipt": "Средний чек",
    "Items per receipt": "Товаров в чеке",
    "Buyers": "Покупатели",
    "Loyal": "Постоянные",
    "One-time": "Разовые",
    # page titles and descriptions
    "Segments and customers": "Сегменты и клиенты",
    "Products and sales": "Товары и продажи",
    "Stores": "Магазины",
    "Channels and funnel": "Каналы и воронка",
    "RFM segments": "RFM-сегменты",
    "Customers by recency, frequency and spend, and how they moved since the previous period.": (
        "Клиенты по давности, частоте и сумме покупок и их переходы с прошлого периода."
    ),
    "Segment sizes": "Размеры сегментов",
    "Movement between segments": "Переходы между сегментами",
    "Rows: segment in the previous period; columns: in this one.": (
        "Строки — сегмент в прошлом периоде, столбцы — в текущем."
    ),
    "ABC / XYZ analysis": "ABC/XYZ-анализ",
    "Classes": "Классы",
    "Top items": "Лидеры",
    "Subject": "Объект",
    "Measure": "Показатель",
    "Cohorts": "Когорты",
    "Customers by month of first purchase: how many bought again month after month.": (
        "Клиенты по месяцу первой покупки: сколько из них покупали снова месяц за месяцем."
    ),
    "Retention": "Удержание",
    "Funnel": "Воронка",
    "Customers at each stage from first touch to feedback, per acquisition source.": (
        "Клиенты на каждом этапе от первого касания до отзыва, по источникам привлечения."
    ),
    "Attribution": "Атрибуция",
    "Which channels acquire customers and which convert them: first touch, last touch and "
    "position-based (40/20/40).": (
        "Какие каналы привлекают клиентов, а какие приводят к покупке: первое касание, последнее "
        "касание и по позиции (40/20/40)."
    ),
    "Credit for purchases": "Вклад в покупки",
    "Lookback, days": "Окно касаний, дней",
    "Product loyalty by customer profile": "Лояльность к товарам по профилю клиента",
    "Share of buyers of each product group who bought it again, by customer profile.": (
        "Доля покупателей товарной группы, купивших её повторно, по профилю клиента."
    ),
    "Profile": "Профиль",
    "Products": "Товары",
    "Sales": "Продажи",
    "Sales dynamics by store": "Динамика продаж по магазинам",
    "Receipts, revenue, units and buyers per store by week or month.": (
        "Чеки, выручка, штуки и покупатели по магазинам по неделям или месяцам."
    ),
    "Sales by demographics": "Продажи по демографии",
    "Buyers, revenue and average receipt by gender, age band and city.": (
        "Покупатели, выручка и средний чек по полу, возрасту и городу."
    ),
    "Items per receipt ranking": "Рейтинг по товарам в чеке",
    "Customers with the most (or fewest) items per receipt.": (
        "Клиенты с наибольшим (или наименьшим) числом товаров в чеке."
    ),
    "Ranking by receipts": "Рейтинг по числу чеков",
    "Customers with the most (or fewest) receipts in the period.": (
        "Клиенты с наибольшим (или наименьшим) числом чеков за период."
    ),
    "Ranking by receipt sum": "Рейтинг по сумме чеков",
    "Customers who spent the most (or the least) in the period.": (
        "Клиенты с наибольшей (или наименьшей) суммой покупок за период."
    ),
    "Inactive customers": "Неактивные клиенты",
    "Customers who bought before and not since, the most valuable first.": (
        "Клиенты, которые покупали раньше, но не в последнее время; сначала самые ценные."
    ),
    "Purchase frequency by store": "Частота покупок по магазинам",
    "Identified buyers, their receipts and receipts per buyer in each store.": (
        "Опознанные покупатели, их чеки и чеков на покупателя в каждом магазине."
    ),
    "Registrations by store": "Регистрации по магазинам",
    "Loyalty members enrolled per store by week or month.": (
        "Новые участники программы по магазинам по неделям или месяцам."
    ),
    "Group by": "Группировка",
    "Rows": "Строк",
    "Sort order": "Порядок",
    "Inactive for, days": "Без покупок, дней",
    "At least receipts": "Минимум чеков",
    # option values
    "opt:customer": "клиенты",
    "opt:category": "категории",
    "opt:sku": "артикулы",
    "opt:brand": "бренды",
    "opt:revenue": "выручка",
    "opt:units": "штуки",
    "opt:orders": "заказы",
    "opt:week": "неделя",
    "opt:month": "месяц",
    "opt:gender": "пол",
    "opt:age_band": "возраст",
    "opt:level": "уровень",
    "opt:city": "город",
    "opt:most": "больше всего",
    "opt:fewest": "меньше всего",
    "opt:total": "всего",
    "gender:F": "женщины",
    "gender:M": "мужчины",
    "value:(unknown)": "(не указано)",
    "value:(none)": "(нет)",
    "value:(no store)": "(без магазина)",
    "value:(direct)": "(прямой заход)",
    "value:(no brand)": "(без бренда)",
    "value:under 25": "до 25",
    "value:55+": "55+",
    # KPIs
    "kpi:turnover_minor": "Выручка",
    "kpi:receipts": "Чеки",
    "kpi:average_receipt_minor": "Средний чек",
    "kpi:items_per_receipt": "Товаров в чеке",
    "kpi:member_receipt_share": "Доля чеков участников",
    "kpi:buyers": "Покупатели",
    "kpi:purchase_frequency": "Частота покупок",
    "kpi:purchase_frequency_per_year": "Покупок в год",
    "kpi:spend_per_buyer_minor": "Траты покупателя",
    "kpi:spend_per_year_minor": "Траты в год",
    "kpi:spend_all_time_minor": "Траты за всё время",
    "kpi:ltv_minor": "LTV",
    "kpi:new_customers": "Новые покупатели",
    "kpi:enrolment_conversion": "Конверсия в участники",
    "kpi:repeat_rate_new": "Повторные покупки новых",
    "kpi:points_redemption_share": "Оплата баллами",
    "kpi:referrer_share": "Приводят друзей",
    "kpi:churn_rate_annual": "Отток за год",
    "kpi:visit_frequency": "Визиты на покупателя",
    "kpi:visits_per_year": "Визитов в год",
    "kpi:loyal_buyers": "Постоянные покупатели",
    "kpi:one_time_buyers": "Разовые покупатели",
    "kpi:loyal_average_receipt_minor": "Средний чек постоянных",
    "kpi:one_time_average_receipt_minor": "Средний чек разовых",
    "kpi:loyal_vs_one_time_receipt": "Чек постоянных к разовым",
    "kpi:loyal_items_per_receipt": "Товаров в чеке постоянных",
    "kpi:one_time_items_per_receipt": "Товаров в чеке разовых",
    "trend:revenue": "Выручка",
    "trend:receipts": "Чеки",
    "trend:members": "Активные участники",
    "trend:redemption": "Оплата баллами, доля выручки",
    "trend:churn": "Отток за год",
    # RFM segments
    "segment:Champions": "Чемпионы",
    "segment:Loyal": "Лояльные",
    "segment:Potential loyalists": "Потенциально лояльные",
    "segment:New": "Новые",
    "segment:Promising": "Перспективные",
    "segment:Need attention": "Требуют внимания",
    "segment:About to sleep": "Засыпающие",
    "segment:At risk": "В зоне риска",
    "segment:Can't lose them": "Нельзя потерять",
    "segment:Hibernating": "Спящие",
    "segment:Lost": "Потерянные",
    "segment:(no purchase)": "(без покупок)",
    # funnel stages
    "stage:acquired": "Привлечены",
    "stage:browsed": "Смотрели товары",
    "stage:carted": "Положили в корзину",
    "stage:purchased": "Купили",
    "stage:received": "Получили",
    "stage:feedback": "Оставили отзыв",
    "stage:received:courier": "получили: курьер",
    "stage:received:pickup_point": "получили: пункт выдачи",
    "stage:received:in_store": "получили: в магазине",
    "stage:received:click_and_collect": "получили: самовывоз из магазина",
    # columns
    "col:group": "Группа",
    "col:kpi": "Показатель",
    "col:value": "Значение",
    "col:previous": "Прошлый период",
    "col:change": "Изменение",
    "col:week": "Неделя",
    "col:month": "Месяц",
    "col:revenue_minor": "Выручка",
    "col:receipts": "Чеки",
    "col:active_members": "Активные участники",
    "col:points_redemption_share": "Оплата баллами",
    "col:churn_rate_annual": "Отток за год",
    "col:segment": "Сегмент",
    "col:customers": "Клиенты",
    "col:share": "Доля",
    "col:avg_recency_days": "Давность, дн.",
    "col:avg_frequency": "Частота",
    "col:monetary_minor": "Сумма покупок",
    "col:monetary_per_customer_minor": "На клиента",
    "col:previous_segment": "Сегмент в прошлом периоде",
    "col:total": "Всего",
    "col:subject": "Объект",
    "col:measure": "Показатель",
    "col:abc": "ABC",
    "col:xyz": "XYZ",
    "col:items": "Позиции",
    "col:item_share": "Доля позиций",
    "col:value_share": "Доля показателя",
    "col:item": "Позиция",
    "col:cumulative_share": "Накопленная доля",
    "col:cv": "Коэф. вариации",
    "col:cohort": "Когорта",
    "col:cohort_size": "Размер когорты",
    "col:active_customers": "Активные клиенты",
    "col:retention": "Удержание",
    "col:orders": "Заказы",
    "col:revenue_per_cohort_customer_minor": "Выручка на клиента когорты",
    "col:source": "Источник",
    "col:stage": "Этап",
    "col:share_of_acquired": "От привлечённых",
    "col:share_of_previous": "От прошлого этапа",
    "col:channel": "Канал",
    "col:acquired_first_purchase": "Привлечены: первая покупка",
    "col:acquired_first_touch": "Привлечены: первое касание",
    "col:purchases": "Покупки",
    "col:first_touch": "Первое касание",
    "col:last_touch": "Последнее касание",
    "col:position_based": "По позиции",
    "col:first_touch_revenue_minor": "Выручка: первое касание",
    "col:last_touch_revenue_minor": "Выручка: последнее касание",
    "col:position_based_revenue_minor": "Выручка: по позиции",
    "col:gender": "Пол",
    "col:age_band": "Возраст",
    "col:level": "Уровень",
    "col:city": "Город",
    "col:category": "Категория",
    "col:brand": "Бренд",
    "col:sku": "Артикул",
    "col:buyers": "Покупатели",
    "col:repeat_buyers": "Купили повторно",
    "col:repeat_share": "Доля повторных",
    "col:units": "Штуки",
    "col:returned_units": "Возвращено, шт.",
    "col:returned_minor": "Возвраты",
    "col:net_revenue_minor": "Выручка за вычетом возвратов",
    "col:store": "Магазин",
    "col:name": "Название",
    "col:dimension": "Признак",
    "col:average_receipt_minor": "Средний чек",
    "col:items_per_receipt": "Товаров в чеке",
    "col:customer_id": "Клиент",
    "col:contact": "Контакт",
    "col:receipt_sum_minor": "Сумма чеков",
    "col:last_purchase": "Последняя покупка",
    "col:spend_minor": "Сумма покупок",
    "col:days_since": "Дней без покупок",
    "col:receipts_per_buyer": "Чеков на покупателя",
    "col:receipts_per_buyer_per_year": "Чеков на покупателя в год",
    "col:members_enrolled": "Зарегистрировано",
    # the analyses' titles and notes, matched with their values by i18n.sentence
    "RFM segment movement: previous period (rows) to this period (columns)": (
        "Переходы между RFM-сегментами: прошлый период (строки) → текущий (столбцы)"
    ),
    "Cohorts by month of first purchase": "Когорты по месяцу первой покупки",
    "Funnel by stage and acquisition source": "Воронка по этапам и источникам привлечения",
    "Cross-channel attribution": "Кросс-канальная атрибуция",
    "Loyalty programme KPIs": "KPI программы лояльности",
    "Sales by demographic profile": "Продажи по социально-демографическому профилю",
    "Sales by category": "Продажи по категориям",
    "Sales by brand": "Продажи по брендам",
    "Sales by sku": "Продажи по артикулам",
    "Sales dynamics by store and month": "Динамика продаж по магазинам и месяцам",
    "Sales dynamics by store and week": "Динамика продаж по магазинам и неделям",
    "Registrations by store and month": "Регистрации по магазинам и месяцам",
    "Registrations by store and week": "Регистрации по магазинам и неделям",
    "Product loyalty by {profile} and {group}": "Лояльность к товарам: {profile} × {group}",
    "word:gender": "пол",
    "word:age_band": "возраст",
    "word:level": "уровень",
    "word:city": "город",
    "word:category": "категория",
    "word:brand": "бренд",
    "word:sku": "артикул",
    "Customers with the most items per receipt": "Клиенты с наибольшим числом товаров в чеке",
    "Customers with the fewest items per receipt": "Клиенты с наименьшим числом товаров в чеке",
    "Customers with the most receipts": "Клиенты с наибольшим числом чеков",
    "Customers with the fewest receipts": "Клиенты с наименьшим числом чеков",
    "Customers with the most receipt sum": "Клиенты с наибольшей суммой чеков",
    "Customers with the fewest receipt sum": "Клиенты с наименьшей суммой чеков",
    "Customers without a purchase in {days} days": "Клиенты без покупок за {days} дн.",
    "visits count purchase days: in-store sightings are not linked to customers": (
        "визиты — это дни покупок: посещения магазина без покупки не связаны с клиентами"
    ),
    "no referrals recorded in loyalty accounts: referrer_share is 0": (
        "в счетах лояльности нет рекомендаций: доля рекомендателей равна 0"
    ),
    "segments are as of the current period end, in both periods": (
        "сегменты — на конец текущего периода, в обоих периодах"
    ),
    "months in period: {months}; average stock is not available (no stock feed)": (
        "месяцев в периоде: {months}; средний остаток недоступен (нет данных об остатках)"
    ),
    "customers with at least {n} receipt(s) in the period": (
        "клиенты, у которых в периоде не меньше {n} чек(ов)"
    ),
    "{total} inactive customers in all; the {shown} with the highest spend shown": (
        "всего неактивных клиентов: {total}; показаны {shown} с наибольшими тратами"
    ),
    "months start in the store's local time": "месяцы начинаются по местному времени магазина",
    "weeks start in the store's local time": "недели начинаются по местному времени магазина",
    "a member's store is the store that issued the card; the channel filter does not apply": (
        "магазин участника — магазин, выдавший карту; фильтр по каналу не применяется"
    ),
    "(no purchase): bought in one period and not in the other": (
        "(без покупок): покупал в одном периоде и не покупал в другом"
    ),
    "customers (resolved profiles) only: anonymous browsing is not counted": (
        "только клиенты (объединённые профили): анонимные просмотры не учитываются"
    ),
    "stages are not nested: a store buyer may purchase without browsing online": (
        "этапы не вложены: покупатель в магазине может купить, не заходя на сайт"
    ),
    "touchpoints in the {days} days before each purchase": (
        "касания за {days} дн. до каждой покупки"
    ),
    "position-based revenue is rounded per channel; it may differ from the total by a few minor"
    " units": (
        "выручка по позиционной модели округляется по каналам и может отличаться от итога"
        " на несколько копеек"
    ),
    "repeat buyer: bought the group in two or more receipts in the period": (
        "повторный покупатель: купил из группы в двух и более чеках за период"
    ),
    "identified buyers only; a customer buying in two stores counts in both": (
        "только опознанные покупатели; клиент, покупавший в двух магазинах, учтён в обоих"
    ),
    "identified buyers only; age at the period end": (
        "только опознанные покупатели; возраст на конец периода"
    ),
    "month 0 is the month of the first purchase; months are UTC calendar months": (
        "месяц 0 — месяц первой покупки; месяцы — календарные, по UTC"
    ),
    "scores are quintiles of the customers who bought in the period; ties share a score": (
        "баллы — квинтили клиентов, покупавших в периоде; равные значения получают один балл"
    ),
    "stock: not available (no stock feed is connected), so no stock figures are shown": (
        "остатки недоступны (данные об остатках не подключены), поэтому их показатели не выводятся"
    ),
    "value:(no purchase in period)": "(без покупок в периоде)",
    "first {shown} of {total} groups by revenue: raise the row limit to see them all": (
        "первые {shown} из {total} групп по выручке: увеличьте число строк, чтобы увидеть все"
    ),
    "First {shown} of {total}": "Первые {shown} из {total}",
    "Show all": "Показать все",
    "no purchases in the previous period: changes are not shown": (
        "в прошлом периоде нет покупок: изменения не показаны"
    ),
    "the previous period holds data for {days} of its {of_days} days: changes are not shown": (
        "данные есть лишь за {days} из {of_days} дн. прошлого периода: изменения не показаны"
    ),
}

EN: dict[str, str] = {
    "opt:most": "most",
    "opt:fewest": "fewest",
    "opt:age_band": "age band",
    "gender:F": "women",
    "gender:M": "men",
    "kpi:turnover_minor": "Revenue",
    "kpi:receipts": "Receipts",
    "kpi:average_receipt_minor": "Average receipt",
    "kpi:items_per_receipt": "Items per receipt",
    "kpi:member_receipt_share": "Receipts by members",
    "kpi:buyers": "Buyers",
    "kpi:purchase_frequency": "Purchase frequency",
    "kpi:purchase_frequency_per_year": "Purchases per year",
    "kpi:spend_per_buyer_minor": "Spend per buyer",
    "kpi:spend_per_year_minor": "Spend per year",
    "kpi:spend_all_time_minor": "Spend all time",
    "kpi:ltv_minor": "LTV",
    "kpi:new_customers": "New customers",
    "kpi:enrolment_conversion": "Enrolment conversion",
    "kpi:repeat_rate_new": "Repeat rate of new customers",
    "kpi:points_redemption_share": "Paid with points",
    "kpi:referrer_share": "Bring friends",
    "kpi:churn_rate_annual": "Annual churn",
    "kpi:visit_frequency": "Visits per buyer",
    "kpi:visits_per_year": "Visits per year",
    "kpi:loyal_buyers": "Loyal buyers",
    "kpi:one_time_buyers": "One-time buyers",
    "kpi:loyal_average_receipt_minor": "Average receipt, loyal",
    "kpi:one_time_average_receipt_minor": "Average receipt, one-time",
    "kpi:loyal_vs_one_time_receipt": "Loyal vs one-time receipt",
    "kpi:loyal_items_per_receipt": "Items per receipt, loyal",
    "kpi:one_time_items_per_receipt": "Items per receipt, one-time",
    "trend:revenue": "Revenue",
    "trend:receipts": "Receipts",
    "trend:members": "Active members",
    "trend:redemption": "Paid with points, share of revenue",
    "trend:churn": "Annual churn",
    "stage:acquired": "Acquired",
    "stage:browsed": "Browsed",
    "stage:carted": "Added to cart",
    "stage:purchased": "Purchased",
    "stage:received": "Received",
    "stage:feedback": "Gave feedback",
    "stage:received:courier": "received: courier",
    "stage:received:pickup_point": "received: pickup point",
    "stage:received:in_store": "received: in store",
    "stage:received:click_and_collect": "received: click and collect",
    "col:kpi": "KPI",
    "col:revenue_minor": "Revenue",
    "col:points_redemption_share": "Paid with points",
    "col:churn_rate_annual": "Annual churn",
    "col:avg_recency_days": "Recency, days",
    "col:monetary_minor": "Spend",
    "col:monetary_per_customer_minor": "Per customer",
    "col:previous_segment": "Segment in the previous period",
    "col:abc": "ABC",
    "col:xyz": "XYZ",
    "col:item_share": "Share of items",
    "col:value_share": "Share of measure",
    "col:cv": "Coefficient of variation",
    "col:revenue_per_cohort_customer_minor": "Revenue per cohort customer",
    "col:share_of_acquired": "Of acquired",
    "col:share_of_previous": "Of previous stage",
    "col:acquired_first_purchase": "Acquired: first purchase",
    "col:acquired_first_touch": "Acquired: first touch",
    "col:position_based": "Position-based",
    "col:first_touch_revenue_minor": "Revenue: first touch",
    "col:last_touch_revenue_minor": "Revenue: last touch",
    "col:position_based_revenue_minor": "Revenue: position-based",
    "col:age_band": "Age band",
    "col:sku": "SKU",
    "col:returned_minor": "Returns",
    "col:net_revenue_minor": "Net revenue",
    "col:average_receipt_minor": "Average receipt",
    "col:customer_id": "Customer",
    "col:receipt_sum_minor": "Receipt sum",
    "col:spend_minor": "Spend",
    "col:days_since": "Days since",
    "col:members_enrolled": "Members enrolled",
}
