"""Everyday forms of first names (Саша for Александр, Sasha, Bill for William): one key per name.

A member registers as ``Александр`` and orders as ``Саша``; a Latin registry has ``Bob`` and
``Robert``. No spelling measure sees these as one name, so the probabilistic stage compares
their keys too. Keys are the canonical Latin (``translit``) of the full form; a name with no
everyday form known is its own key. A form shared by two names (Саша: Александр and Александра;
Женя) takes one key for both: the gender comparison tells those apart.
"""

from functools import lru_cache

from omnicrm.identity.translit import canonical_name

_FORMS: dict[str, str] = {
    # full form: its everyday forms (Russian, then their usual Latin spellings)
    "Александр": "Александра Саша Шура Саня Alexander Alex Sasha Sanya Shura",
    "Алексей": "Алёша Лёша Alexey Alexei Lyosha Alyosha",
    "Анастасия": "Настя Nastya Anastasia",
    "Анатолий": "Толя Tolya Anatoly",
    "Андрей": "Андрюша Andrei Andrey Andrew Andy Drew",
    "Анна": "Аня Анюта Anya Ann Anne Annie",
    "Антонина": "Тоня Tonya",
    "Валентина": "Валентин Валя Valya",
    "Виктор": "Витя Vitya Victor Vic",
    "Владимир": "Вова Володя Vova Volodya Vladimir",
    "Вячеслав": "Слава Slava",
    "Галина": "Галя Galya",
    "Георгий": "Гоша Жора Gosha George",
    "Геннадий": "Гена Gena",
    "Дарья": "Даша Dasha",
    "Дмитрий": "Дима Митя Dima Mitya",
    "Евгений": "Евгения Женя Zhenya Eugene Evgeny",
    "Екатерина": "Катя Катерина Katya Katherine Catherine Kate Katie Kathy Cathy Kat",
    "Елена": "Лена Lena Helen Helena",
    "Елизавета": "Лиза Liza Elizabeth Elisabeth Liz Lizzie Beth Betty Eliza",
    "Иван": "Ваня Vanya John Johnny Jack Jon",
    "Ирина": "Ира Ira",
    "Константин": "Костя Kostya",
    "Ксения": "Ксюша Ksyusha",
    "Любовь": "Люба Lyuba",
    "Людмила": "Люда Мила Lyuda Mila",
    "Мария": "Маша Masha Maria Mary Marie Molly",
    "Михаил": "Миша Misha Michael Mike Mikey Mick",
    "Надежда": "Надя Nadya",
    "Наталья": "Наталия Наташа Natasha Natalia Natalie",
    "Николай": "Коля Kolya Nicholas Nick Nicky",
    "Ольга": "Оля Olya",
    "Павел": "Паша Pasha Paul",
    "Пётр": "Петя Petya Peter Pete",
    "Светлана": "Света Sveta",
    "Сергей": "Серёжа Серёга Seryozha Sergey",
    "Софья": "София Соня Sonya Sophia Sophie",
    "Татьяна": "Таня Tanya",
    "Юлия": "Юля Yulya Julia Julie",
    "Юрий": "Юра Yura",
    # English names and their everyday forms
    "Abigail": "Abby Abbie Gail",
    "Amanda": "Mandy",
    "Anthony": "Tony Antony",
    "Benjamin": "Ben Benny",
    "Charles": "Charlie Chuck",
    "Christopher": "Chris Kit",
    "Christine": "Christina Chrissy Tina",
    "Daniel": "Dan Danny",
    "David": "Dave Davey",
    "Deborah": "Debbie Deb Debra",
    "Donald": "Don Donny",
    "Edward": "Ed Eddie Ted Teddy Ned",
    "Frederick": "Fred Freddie",
    "Gregory": "Greg",
    "Henry": "Harry Hank",
    "James": "Jim Jimmy Jamie",
    "Jennifer": "Jenny Jen",
    "Jessica": "Jess Jessie",
    "Joseph": "Joe Joey",
    "Joshua": "Josh",
    "Jacob": "Jake",
    "Lawrence": "Larry Laurence",
    "Margaret": "Maggie Meg Peggy Madge",
    "Matthew": "Matt",
    "Nathan": "Nate Nathaniel",
    "Patricia": "Pat Patty Trish",
    "Patrick": "Paddy Pat",
    "Rebecca": "Becky Becca",
    "Richard": "Rick Ricky Dick Rich",
    "Robert": "Rob Bob Bobby Robbie Bert",
    "Ronald": "Ron Ronnie",
    "Samuel": "Sam Sammy",
    "Samantha": "Sam Sammy",
    "Stephen": "Steven Steve",
    "Susan": "Sue Susie Suzanne",
    "Thomas": "Tom Tommy",
    "Timothy": "Tim Timmy",
    "Victoria": "Vicky Vicki Tori",
    "William": "Will Bill Billy Willy Liam",
    "Zachary": "Zac Zack Zach",
}


def _table() -> dict[str, str]:
    out: dict[str, str] = {}
    for full, forms in _FORMS.items():
        key = canonical_name(full)
        out.setdefault(key, key)
        for form in forms.split():
            out.setdefault(canonical_name(form), key)  # the first full form named keeps a form
    return out


_KEYS = _table()


@lru_cache(maxsize=1 << 16)
def name_key(first_name: str | None) -> str | None:
    """The key of a first name's full form (``"Саша"``, ``"Sasha"``, ``"Александр"`` ->
    ``"aleksandr"``); the canonical name itself when no everyday form is known."""
    canon = canonical_name(first_name)
    return _KEYS.get(canon, canon) or None


def forms_of(first_name: str) -> list[str]:
    """The Latin-alphabet names known to share ``first_name``'s key (``"Robert"`` -> ``["Rob",
    "Bob", ...]``), for a generator that writes people the way they call themselves."""
    key = name_key(first_name)
    return [
        form
        for full, forms in _FORMS.items()
        for form in (full, *forms.split())
        if form.isascii() and form != first_name and name_key(form) == key
    ]
