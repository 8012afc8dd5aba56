"""The same person shows up differently across channels, the way real data does."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

Rows = Callable[[str], list[dict]]


def _truth(rows: Rows, source: str) -> dict[str, str]:
    return {
        r["source_key"]: r["person_id"] for r in rows("ground_truth.csv") if r["source"] == source
    }


def _digits(phone: str) -> str:
    d = re.sub(r"\D", "", phone)
    return d[-10:]


def test_one_person_many_phone_formats(rows: Rows) -> None:
    formats: dict[str, set[str]] = defaultdict(set)
    members = _truth(rows, "members")
    for r in rows("loyalty_members.csv"):
        if r["phone"] and r["card_no"] in members:
            formats[members[r["card_no"]]].add(re.sub(r"\d", "9", r["phone"]))
    web = _truth(rows, "web")
    for o in rows("web_orders.jsonl"):
        if o["customer"]["phone"]:
            formats[web[o["order_id"]]].add(re.sub(r"\d", "9", o["customer"]["phone"]))
    cc = _truth(rows, "callcentre")
    for r in rows("call_centre_orders.csv"):
        formats[cc[r["order_ref"]]].add(re.sub(r"\d", "9", r["caller_number"]))
    assert len(set().union(*formats.values())) >= 5
    assert sum(len(f) >= 3 for f in formats.values()) >= 20


def test_latin_spellings_typos_and_email_case(rows: Rows) -> None:
    names = [o["customer"]["name"] for o in rows("web_orders.jsonl")]
    latin = [n for n in names if re.fullmatch(r"[A-Za-z .'-]+", n)]
    assert 0.05 < len(latin) / len(names) < 0.3
    emails = [o["customer"]["email"] for o in rows("web_orders.jsonl") if o["customer"]["email"]]
    assert any(e != e.lower() for e in emails)
    assert any(e == e.lower() for e in emails)
    members = _truth(rows, "members")
    by_person: dict[str, set[str]] = defaultdict(set)
    for r in rows("loyalty_members.csv"):
        if r["card_no"] in members:
            by_person[members[r["card_no"]]].add(r["last_name"])
    assert any(len(v) > 1 for v in by_person.values())  # a typo on a duplicate card


def test_duplicate_and_orphan_cards(rows: Rows) -> None:
    members = _truth(rows, "members")
    cards_per_person: dict[str, int] = defaultdict(int)
    for person in members.values():
        cards_per_person[person] += 1
    dup = sum(n == 2 for n in cards_per_person.values())
    assert dup >= 0.01 * len(cards_per_person)
    used = {r["card_no"] for r in rows("pos_receipts.csv")}
    used |= {o["customer"]["card_no"] for o in rows("web_orders.jsonl") + rows("app_orders.jsonl")}
    used |= {e["card_no"] for e in rows("app_events.jsonl")}
    orphans = {r["card_no"] for r in rows("loyalty_members.csv")} - used
    assert len(orphans) >= 0.03 * len(members)
    # Both kinds: registered persons who never use their card and blank cards nobody owns.
    assert orphans & set(members)
    assert orphans - set(members)


def test_shared_family_phones(rows: Rows) -> None:
    members = _truth(rows, "members")
    persons_by_phone: dict[str, set[str]] = defaultdict(set)
    for r in rows("loyalty_members.csv"):
        if r["phone"] and r["card_no"] in members:
            persons_by_phone[_digits(r["phone"])].add(members[r["card_no"]])
    assert sum(len(p) == 2 for p in persons_by_phone.values()) >= 10


def test_anonymous_receipts_and_marketplace_identity(rows: Rows) -> None:
    pos = rows("pos_receipts.csv")
    assert 0.1 < sum(r["card_no"] == "" for r in pos) / len(pos) < 0.6
    market = rows("marketplace_orders.csv")
    buyers = _truth(rows, "marketplace")
    ids: dict[str, set[str]] = defaultdict(set)
    for r in market:
        ids[buyers[r["posting_number"]]].add(r["buyer_id"])
        assert "***" in r["buyer_phone"] or r["buyer_phone"] == ""
    assert all(len(v) == 1 for v in ids.values())  # one buyer account per person


def test_sensors_link_and_mislead(rows: Rows) -> None:
    wifi = _truth(rows, "wifi")
    hashes: dict[str, set[str]] = defaultdict(set)
    for r in rows("wifi_sightings.csv"):
        key = f"{r['store_code']}/{r['mac_hash']}/{r['first_seen']}"
        hashes[r["mac_hash"]].add(wifi.get(key, "stranger"))
    assert any(len(p - {"stranger"}) == 1 and len(p) == 1 for p in hashes.values())
    seen_often = [h for h, p in hashes.items() if p == {"stranger"}]
    assert seen_often  # staff phones and passers-by
    cam = _truth(rows, "camera")
    tokens: dict[str, set[str]] = defaultdict(set)
    for r in rows("camera_faces.csv"):
        key = f"{r['store_code']}/{r['camera_id']}/{r['face_token']}/{r['seen_at']}"
        if key in cam:
            tokens[cam[key]].add(r["face_token"])
    assert any(len(t) >= 2 for t in tokens.values())  # an unrecognised face got a new token
