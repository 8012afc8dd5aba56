"""A loyalty registry of the hard identity cases, with ground truth: people registered several
times with no phone, e-mail or card in common, so only names, birth dates and addresses say who
is who (``omnicrm synth --hard-identity``).

Each person has one to four records (one card each). A later record is typed anew: a typo in a
name, first and last name swapped, an everyday form of the first name (Bob for Robert), a birth
date off by a digit, with day and month swapped, missing, or not a calendar date at all
("1984-02-30"), an address after a move, a typo in the street, the address as one line instead
of its parts. Families share a surname and a home but have their own first names and birth dates:
they must not merge. People are written in the Latin alphabet (an Australian-style registry:
suburb, state, four-digit postcode, ``4/12 Smith St``).

Writes ``loyalty_members.csv`` (the ``members`` format of docs/CHANNELS.md) and
``ground_truth.csv`` (``source, source_key, person_id`` as the main generator writes it).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from omnicrm.identity.diminutives import forms_of
from omnicrm.ingest.sources.members import COLUMNS
from omnicrm.synth.identifiers import CARD_PRIMARY, card_numbers

_split = str.split  # word lists written as text, as people read them
HEADER = (*COLUMNS, "region", "postcode", "street", "house", "flat", "address_raw")
FEMALE = _split(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy "
    "Margaret Lisa Betty Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa "
    "Deborah Stephanie Rebecca Laura Sharon Cynthia Kathleen Amy Angela Helen Anna Brenda "
    "Pamela Nicole Samantha Katherine Emma Ruth Christine Catherine Debra Rachel Carolyn "
    "Janet Virginia Maria Heather Diane Julie Joyce Victoria Kelly Christina Joan Evelyn "
    "Lauren Judith Olivia Abigail"
)
MALE = _split(
    "James Robert John Michael David William Richard Joseph Thomas Charles Christopher "
    "Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian "
    "George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan "
    "Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Frank Alexander Raymond "
    "Patrick Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter "
    "Kyle Walter Harold Jeremy Ethan"
)
SURNAMES = _split(
    "Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson "
    "Nguyen Thomas Walker Harris Lee Ryan Robinson Kelly King Davis Wright Evans Roberts "
    "Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose "
    "Davies Rodriguez Cox Alexander Garden Campbell Johnston Moore Smyth Oneill Doherty "
    "Stewart Quinn Murphy Graham Mclaughlin Hamilton Murray Hughes Robertson Thomson "
    "Scott Macdonald Reid Clark Ross Young Watson Paterson Morrison Morgan Griffiths "
    "Edwards Baker Lopez Hill Cooper Ward Turner Parker Collins Edwards Stewart Morris "
    "Murphy Cook Rogers Bell Bailey Richardson Cox Howard Gray Russell Kennedy Chapman "
    "Fraser Webb Bennett Harrison Hunt Palmer Lloyd Fisher Gibson Ellis Marshall Owen "
    "Harvey Holmes Barnes Knight Butler Burke Dixon Warren"
)
STREETS = _split(
    "Smith George King Queen Church High Victoria Albert Elizabeth Railway Park Station "
    "Bridge Mill Hill Forest Lake River Ocean Beach Bay Valley Spring Garden Oak Elm Pine "
    "Maple Wattle Banksia Acacia Jacaranda Eucalyptus Kent Oxford Cambridge York Bathurst "
    "Pitt Macquarie Hunter Collins Flinders Swanston Bourke Lonsdale Spencer Russell "
    "Exhibition Lygon Chapel"
)
STREET_TYPES = (
    ("St", "Street"), ("Rd", "Road"), ("Ave", "Avenue"), ("Dr", "Drive"), ("Ct", "Court"),
    ("Pl", "Place"), ("Cres", "Crescent"), ("Tce", "Terrace"),
)  # fmt: skip
SUBURBS = (
    ("Bondi", "NSW", "2026"), ("Manly", "NSW", "2095"), ("Parramatta", "NSW", "2150"),
    ("Newtown", "NSW", "2042"), ("Chatswood", "NSW", "2067"), ("Penrith", "NSW", "2750"),
    ("Fitzroy", "VIC", "3065"), ("Carlton", "VIC", "3053"), ("Geelong", "VIC", "3220"),
    ("Brunswick", "VIC", "3056"), ("St Kilda", "VIC", "3182"), ("Ballarat", "VIC", "3350"),
    ("Toowong", "QLD", "4066"), ("Southport", "QLD", "4215"), ("Cairns", "QLD", "4870"),
    ("Fremantle", "WA", "6160"), ("Subiaco", "WA", "6008"), ("Glenelg", "SA", "5045"),
    ("Norwood", "SA", "5067"), ("Hobart", "TAS", "7000"), ("Braddon", "ACT", "2612"),
    ("Darwin", "NT", "0800"), ("Kingston", "ACT", "2604"), ("Launceston", "TAS", "7250"),
)  # fmt: skip
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Home:
    street: str
    kind: tuple[str, str]
    house: str
    flat: str | None
    suburb: tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Person:
    person_id: str
    first: str
    last: str
    born: date
    female: bool
    home: Home


def _home(rng: random.Random) -> Home:
    return Home(
        street=rng.choice(STREETS),
        kind=rng.choice(STREET_TYPES),
        house=str(rng.randint(1, 180)),
        flat=str(rng.randint(1, 40)) if rng.random() < 0.3 else None,
        suburb=rng.choice(SUBURBS),
    )


def _birth(rng: random.Random) -> date:
    return date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65))


def people(n: int, rng: random.Random) -> list[Person]:
    """``n`` people; about a third live with family (same surname and home)."""
    out: list[Person] = []
    while len(out) < n:
        home, last = _home(rng), rng.choice(SURNAMES)
        size = 1 if rng.random() < 0.65 else rng.randint(2, 4)
        firsts: set[str] = set()
        for _ in range(min(size, n - len(out))):
            female = rng.random() < 0.5
            first = rng.choice(FEMALE if female else MALE)
            if first in firsts:
                continue
            firsts.add(first)
            out.append(Person(f"H{len(out):07d}", first, last, _birth(rng), female, home))
    return out


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: a letter dropped, doubled, replaced, or two swapped."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + rng.choice(_LETTERS) + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _birth_text(born: date, rng: random.Random) -> str:
    roll = rng.random()
    text = born.isoformat()
    if roll < 0.12:  # one digit typed wrong (may not be a calendar date any more)
        pos = rng.choice([3, 5, 6, 8, 9])
        return text[:pos] + str(rng.randrange(10)) + text[pos + 1 :]
    if roll < 0.17 and born.day <= 12:
        return f"{born.year}-{born.day:02d}-{born.month:02d}"
    if roll < 0.27:
        return ""
    if roll < 0.31:  # a slip that leaves no calendar date ("1985-02-30", "1985-10-45")
        tens = "3" if born.month == 2 else rng.choice("456789")
        return text[:8] + tens + text[9:]
    return text


def _address(home: Home, rng: random.Random) -> dict[str, str]:
    street = typo(home.street, rng) if rng.random() < 0.08 else home.street
    kind = home.kind[rng.randrange(2)]
    suburb, state, code = home.suburb
    if rng.random() < 0.2:  # one line, as a web form takes it
        number = f"{home.flat}/{home.house}" if home.flat else home.house
        return {"address_raw": f"{number} {street} {kind}, {suburb} {state} {code}"}
    return {
        "region": state if rng.random() > 0.05 else "",
        "city": suburb,
        "postcode": code if rng.random() > 0.05 else "",
        "street": f"{street} {kind}",
        "house": home.house,
        "flat": (f"Unit {home.flat}" if rng.random() < 0.3 else home.flat) if home.flat else "",
    }


def record(person: Person, first: bool, rng: random.Random) -> dict[str, str]:
    """One registration of ``person``; every one after the first is typed anew, with errors."""
    fn, ln, home = person.first, person.last, person.home
    born = person.born.isoformat()
    if not first:
        forms = forms_of(fn)
        if forms and rng.random() < 0.12:
            fn = rng.choice(forms)
        if rng.random() < 0.2:
            fn = typo(fn, rng)
        if rng.random() < 0.2:
            ln = typo(ln, rng)
        if rng.random() < 0.1:
            fn, ln = ln, fn
        born = _birth_text(person.born, rng)
        if rng.random() < 0.2:
            home = replace(
                _home(rng), suburb=home.suburb if rng.random() < 0.5 else _home(rng).suburb
            )
    gender = ("F" if person.female else "M") if rng.random() > 0.3 else ""
    return {
        "last_name": ln,
        "first_name": fn,
        "birth_date": born,
        "gender": gender,
        **_address(home, rng),
    }


def registry(n_people: int, seed: int) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """The registry's rows (in a shuffled order) and (card, person) ground truth."""
    rng = random.Random(seed)
    rows, owners = [], []
    for person in people(n_people, rng):
        copies = 1 + min(3, int(rng.expovariate(1.0)))
        for k in range(copies):
            rows.append(record(person, k == 0, rng))
            owners.append(person.person_id)
    order = list(range(len(rows)))
    rng.shuffle(order)
    cards = card_numbers(np.arange(len(rows)), seed, CARD_PRIMARY)
    issued = date(2024, 1, 1)
    out_rows, truth = [], []
    for i, n in enumerate(order):
        card = str(int(cards[i]))
        day = issued + timedelta(days=i % 700)
        out_rows.append({**rows[n], "card_no": card, "issued_at": f"{day}T10:00:00+10:00"})
        truth.append((card, owners[n]))
    return out_rows, truth


def write_registry(out: Path, n_people: int, seed: int = 42) -> int:
    """Write the hard registry of ``n_people`` into ``out``; how many records it holds."""
    rows, truth = registry(n_people, seed)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "loyalty_members.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, HEADER, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with (out / "ground_truth.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("source", "source_key", "person_id"))
        writer.writerows(("members", card, person) for card, person in truth)
    return len(rows)


def pairwise(truth: dict[str, str], assigned: dict[str, object]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of ``assigned`` (record -> profile; a record missing
    is a profile of its own) against ``truth`` (record -> person)."""
    from collections import Counter

    cluster = {k: assigned.get(k, ("alone", k)) for k in truth}
    both = Counter((cluster[k], truth[k]) for k in truth)
    pred = Counter(cluster.values())
    true = Counter(truth.values())

    def pairs(counts: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    tp, p, t = pairs(both), pairs(pred), pairs(true)
    precision = tp / p if p else 1.0
    recall = tp / t if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true_pairs": t, "predicted_pairs": p}  # fmt: skip


def read_truth(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as f:
        return {r["source_key"]: r["person_id"] for r in csv.DictReader(f)}
