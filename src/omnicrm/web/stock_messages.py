"""Words of the stock and the when-and-where pages, and of the social channel's codes: Russian
for every message id, and in both languages the labels of codes (``col:`` columns, ``opt:``
option values, ``channel:`` and ``kind:`` of the social sources)."""

RU: dict[str, str] = {
    "Sales and stock": "Продажи и остатки",
    "Units sold in each store against the stock feed's counts: average and closing stock, "
    "sell-through and days of cover per product group.": (
        "Продажи каждого магазина рядом с остатками из учётной системы: средний и конечный "
        "остаток, доля проданного (sell-through) и запас в днях по товарным группам."
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
