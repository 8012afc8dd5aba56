"""Words of the stock and the when-and-where pages, and of the social channel's codes: Russian
for every message id, and in both languages the labels of codes (``col:`` columns, ``opt:``
option values, ``channel:`` and ``kind:`` of the social sources)."""

RU: dict[str, str] = {
    "Sales and stock": "Продажи и остатки",
    "Units sold in each store against the stock feed's counts: average and closing stock, "
    "sell-through and days of cover per product group.": (
        "Продажи каждого магазина рядом с остатками из учётной системы: средний и конечный "
        "остаток, доля проданного и запас в днях по товарным группам."
    ),
    "Units, revenue, receipts and returns per product group; stock beside sales is on the sales "
    "and stock page.": (
        "Штуки, выручка, чеки и возвраты по товарным группам; остатки рядом с продажами — на "
        "странице «Продажи и остатки»."
    ),
    "Customers, product groups and SKUs by their share of revenue, units, orders or average "
    "stock (ABC) and the stability of the measure month by month (XYZ).": (
        "Клиенты, товарные группы и артикулы по доле выручки, штук, заказов или среднего "
        "остатка (ABC) и стабильности показателя по месяцам (XYZ)."
    ),
    "col:average_stock": "Средний остаток",
    "col:closing_stock": "Остаток на конец",
    "col:sell_through": "Доля проданного",
    "col:days_of_cover": "Запас, дней",
    "opt:stock": "средний остаток",
    "Sold and on hand": "Продано и в остатке",
    "When people buy": "Когда покупают",
    "Receipts by hour of day and day of week in the local time of the store (online orders: the "
    "customer's home store's zone).": (
        "Чеки по часам и дням недели по местному времени магазина (онлайн-заказы — по поясу "
        "домашнего магазина клиента)."
    ),
    "Where people buy": "Где покупают",
    "Receipts, revenue, buyers and average receipt by city and store.": (
        "Чеки, выручка, покупатели и средний чек по городам и магазинам."
    ),
    "Breakdown": "Разбивка",
    "opt:channel": "канал",
    "opt:segment": "сегмент",
    "Local hour": "Час по местному времени",
    "Receipts by hour and day of week": "Чеки по часам и дням недели",
    "col:weekday": "День недели",
    "col:hour": "Час",
    "col:revenue_share": "Доля выручки",
    "channel:social": "Соцсети",
    "kind:social": "аккаунт в соцсети или мессенджере",
    "kind:ip": "IP-адрес (хэш)",
    "weekday:1": "Пн",
    "weekday:2": "Вт",
    "weekday:3": "Ср",
    "weekday:4": "Чт",
    "weekday:5": "Пт",
    "weekday:6": "Сб",
    "weekday:7": "Вс",
    "Sales and stock by store and {group}": "Продажи и остатки по магазинам: {group}",
    "sales: receipts of stores (online orders have no store stock); stock: the stock "
    "feed's end-of-day counts, summed over the group's SKUs": (
        "продажи — чеки магазинов (у онлайн-заказов нет остатка магазина); остатки — данные "
        "учётной системы на конец дня, суммированные по артикулам группы"
    ),
    "sell-through = units / (units + closing stock); days of cover = closing stock / "
    "units sold per day of the period (empty when nothing sold)": (
        "доля проданного = штуки / (штуки + конечный остаток); запас в днях = конечный "
        "остаток / продажи в штуках за день периода (пусто, если продаж не было)"
    ),
    "stock on hand beside these sales: the sales_stock report": (
        "остатки рядом с этими продажами — в отчёте «Продажи и остатки»"
    ),
    "months in period: {months}": "месяцев в периоде: {months}",
    "stock: the average units on hand over the period from the stock feed's counts": (
        "остаток: среднее число штук в наличии за период по данным учётной системы"
    ),
    "Purchases by hour and day of week, by {by}": "Покупки по часам и дням недели: {by}",
    "Purchases by city and store, by {by}": "Покупки по городам и магазинам: {by}",
    "local time of the store; orders without a store: the customer's home store's zone, "
    "else {zone}": (
        "местное время магазина; заказы без магазина — по поясу домашнего магазина клиента, "
        "иначе {zone}"
    ),
    "weekday 1 = Monday ... 7 = Sunday": "день недели: 1 = понедельник … 7 = воскресенье",
    "the store's city, else the customer's; orders without a store under (no store)": (
        "город магазина, иначе клиента; заказы без магазина — в строке «(без магазина)»"
    ),
    "word:total": "всего",
    "word:channel": "канал",
    "word:segment": "сегмент",
    "value:all": "все",
    "value:(no store)": "(без магазина)",
}
EN: dict[str, str] = {
    "col:average_stock": "Average stock",
    "col:closing_stock": "Closing stock",
    "col:sell_through": "Sell-through",
    "col:days_of_cover": "Days of cover",
    "opt:stock": "average stock",
    "channel:social": "Social networks",
    "kind:social": "social or messenger account",
    "kind:ip": "IP address (hashed)",
    "weekday:1": "Mon",
    "weekday:2": "Tue",
    "weekday:3": "Wed",
    "weekday:4": "Thu",
    "weekday:5": "Fri",
    "weekday:6": "Sat",
    "weekday:7": "Sun",
}
