"""Word lists for people and addresses, plus their Latin spellings and typo variants.

Names are drawn by index, so every derived spelling (transliterated, misspelt) is computed once per
list entry here and then picked by index, which keeps per-record noise vectorised.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa

# fmt: off
FEMALE_FIRST = [
    "Анна", "Мария", "Елена", "Ольга", "Наталья", "Ирина", "Светлана", "Татьяна", "Екатерина",
    "Юлия", "Анастасия", "Дарья", "Марина", "Людмила", "Галина", "Валентина", "Ксения", "Алина",
    "Виктория", "Полина", "Софья", "Вера", "Надежда", "Любовь", "Алёна", "Кристина", "Евгения",
    "Оксана", "Яна", "Елизавета", "Варвара", "Маргарита", "Лариса", "Зоя", "Диана", "Милана",
]
# fmt: on
# fmt: off
MALE_FIRST = [
    "Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Иван", "Михаил", "Николай",
    "Евгений", "Владимир", "Артём", "Павел", "Роман", "Денис", "Олег", "Игорь", "Юрий", "Виктор",
    "Константин", "Кирилл", "Антон", "Илья", "Егор", "Никита", "Тимур", "Руслан", "Вадим",
    "Григорий", "Фёдор", "Степан", "Борис", "Леонид", "Арсений", "Глеб", "Марат",
]
# fmt: on
# Patronymics are derived from male first names: masculine and feminine forms.
# fmt: off
PATRONYMIC_ROOTS = [
    "Александров", "Сергеев", "Дмитриев", "Андреев", "Алексеев", "Максимов", "Иванов", "Михайлов",
    "Николаев", "Евгеньев", "Владимиров", "Павлов", "Романов", "Денисов", "Олегов", "Игорев",
    "Юрьев", "Викторов", "Константинов", "Кириллов", "Антонов", "Ильин", "Егоров", "Борисов",
    "Григорьев", "Фёдоров", "Степанов", "Леонидов", "Геннадьев", "Анатольев",
]
# fmt: on
# fmt: off
SURNAMES_MALE = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов",
    "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов",
    "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Чернышёв",
    "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов",
    "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв", "Овчинников",
    "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров",
    "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов",
    "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов", "Еремин",
    "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов", "Нестеров",
    "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков", "Левин", "Митрофанов", "Воронов",
    "Аксёнов", "Софронов", "Мальцев", "Логинов", "Горшков", "Савин", "Краснов", "Майоров",
    "Демидов", "Елисеев", "Рыбаков", "Сафонов", "Плотников", "Дёмин", "Хохлов", "Шевченко",
    "Бондаренко", "Коваленко", "Ткаченко", "Кравченко", "Олейник", "Мельник", "Сафин",
    "Хабибуллин", "Гарипов", "Зиннатуллин", "Валиев", "Шарипов", "Ахметов", "Галиев", "Каримов",
    "Юсупов", "Исмаилов",
]
# fmt: on
# fmt: off
STREETS = [
    "Ленина", "Мира", "Советская", "Садовая", "Центральная", "Молодёжная", "Школьная", "Лесная",
    "Новая", "Набережная", "Гагарина", "Пушкина", "Кирова", "Октябрьская", "Заводская", "Полевая",
    "Победы", "Чехова", "Лермонтова", "Горького", "Маяковского", "Комсомольская", "Первомайская",
    "Строителей", "Южная", "Северная", "Луговая", "Весенняя", "Титова", "Карла Маркса",
    "Свердлова", "Куйбышева", "Фрунзе", "Дзержинского", "Суворова", "Кутузова", "Толстого",
    "Есенина",
]
# fmt: on
EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru")
EMAIL_DOMAIN_WEIGHTS = (0.34, 0.27, 0.18, 0.07, 0.06, 0.05, 0.03)

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def translit(text: str) -> str:
    """Passport-style (ICAO-like) Latin spelling: ``Фёдоров`` -> ``Fedorov``."""
    out = []
    for ch in text:
        low = ch.lower()
        lat = _TRANSLIT.get(low, ch)
        out.append(lat.capitalize() if ch != low and lat else lat)
    return "".join(out)


def typo(text: str) -> str:
    """A deterministic slip of the keyboard: drop, double or swap a letter, or ё written as е."""
    if "ё" in text:
        return text.replace("ё", "е")
    if len(text) < 4:
        return text + text[-1]
    k = 1 + (sum(map(ord, text)) % (len(text) - 2))
    kind = len(text) % 3
    if kind == 0:
        return text[:k] + text[k + 1 :]
    if kind == 1:
        return text[:k] + text[k] + text[k:]
    return text[:k] + text[k + 1] + text[k] + text[k + 2 :]


def feminine_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    return surname  # -енко, -ик, -ук and Tatar -ин forms handled above; the rest do not change


def patronymic(root: str, female: bool) -> str:
    if root == "Ильин":
        return "Ильинична" if female else "Ильич"
    return root + ("на" if female else "ич")


class Spellings:
    """One word list with its Cyrillic, Latin and misspelt forms as Arrow arrays (take by index)."""

    def __init__(self, words: list[str]) -> None:
        self.cyr = pa.array(words, pa.string())
        self.lat = pa.array([translit(w) for w in words], pa.string())
        self.typo = pa.array([typo(w) for w in words], pa.string())
        self.lower_lat = pa.array([translit(w).lower() for w in words], pa.string())
        self.initial = pa.array([w[0] + "." for w in words], pa.string())

    def __len__(self) -> int:
        return len(self.cyr)


@cache
def first_names() -> Spellings:
    """Female names first, then male names (index < len(FEMALE_FIRST) means female)."""
    return Spellings(FEMALE_FIRST + MALE_FIRST)


@cache
def surnames() -> Spellings:
    """Male forms first, then the feminine forms, in the same order."""
    return Spellings(SURNAMES_MALE + [feminine_surname(s) for s in SURNAMES_MALE])


@cache
def patronymics() -> Spellings:
    """Male forms first, then feminine forms, in the same order."""
    male = [patronymic(r, female=False) for r in PATRONYMIC_ROOTS]
    female = [patronymic(r, female=True) for r in PATRONYMIC_ROOTS]
    return Spellings(male + female)


@cache
def streets() -> pa.Array:
    return pa.array(STREETS, pa.string())
