"""ground_truth.csv names the true person of every person-owned record, by the documented keys."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import pytest

Rows = Callable[[str], list[dict]]


@pytest.fixture(scope="module")
def truth(rows: Rows) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows("ground_truth.csv"):
        assert r["source_key"] not in out[r["source"]], "duplicate key"
        out[r["source"]][r["source_key"]] = r["person_id"]
    return out


def record_keys(rows: Rows) -> dict[str, set[str]]:
    """Source key of every record of every file, built the way CHANNELS.md defines it."""
    return {
        "members": {r["card_no"] for r in rows("loyalty_members.csv")},
        "pos": {
            f"{r['store_code']}/{r['terminal_id']}/{r['receipt_no']}"
            for r in rows("pos_receipts.csv")
        },
        "web": {o["order_id"] for o in rows("web_orders.jsonl")},
        "app": {o["order_id"] for o in rows("app_orders.jsonl")},
        "callcentre": {r["order_ref"] for r in rows("call_centre_orders.csv")},
        "marketplace": {r["posting_number"] for r in rows("marketplace_orders.csv")},
        "delivery": {
            f"{r['order_ref']}/{r['status']}/{r['at']}" for r in rows("delivery_status.csv")
        },
        "returns": {r["return_id"] for r in rows("returns.csv")},
        "web_events": {e["event_id"] for e in rows("web_events.jsonl")},
        "app_events": {e["event_id"] for e in rows("app_events.jsonl")},
        "calls": {r["call_id"] for r in rows("call_log.csv")},
        "messages": {f"{r['message_id']}/{r['event']}" for r in rows("messages.csv")},
        "wifi": {
            f"{r['store_code']}/{r['mac_hash']}/{r['first_seen']}"
            for r in rows("wifi_sightings.csv")
        },
        "camera": {
            f"{r['store_code']}/{r['camera_id']}/{r['face_token']}/{r['seen_at']}"
            for r in rows("camera_faces.csv")
        },
        "surveys": {r["response_id"] for r in rows("survey_answers.csv")},
    }


def test_truth_keys_are_real_records(rows: Rows, truth: dict[str, dict[str, str]]) -> None:
    keys = record_keys(rows)
    assert set(truth) == set(keys)
    for source, mapping in truth.items():
        assert set(mapping) <= keys[source], source


def test_every_order_and_person_event_is_covered(
    rows: Rows, truth: dict[str, dict[str, str]], manifest: dict
) -> None:
    keys = record_keys(rows)
    # All orders, deliveries, returns, app events, calls, messages, surveys belong to persons.
    owned = "pos web app callcentre marketplace delivery returns app_events calls messages surveys"
    for source in owned.split():
        assert set(truth[source]) == keys[source], source
    # Members: all but the house cards and blank cards (which have no name).
    unowned = {
        r["card_no"]
        for r in rows("loyalty_members.csv")
        if not r["phone"] and r["first_name"] in ("", "Карта")
    }
    assert keys["members"] - set(truth["members"]) <= unowned
    # Web events / sensors: strangers (and, for Wi-Fi, staff phones) are left out, persons are in.
    for source, least in (("web_events", 0.5), ("wifi", 0.2), ("camera", 0.5)):
        share = len(truth[source]) / len(keys[source])
        assert least < share < 1.0, source
    total = sum(len(m) for m in truth.values())
    assert total == manifest["ground_truth"]["rows"]


def test_house_card_receipts_belong_to_their_own_people(
    rows: Rows, truth: dict[str, dict[str, str]]
) -> None:
    house = {r["card_no"] for r in rows("loyalty_members.csv") if r["first_name"] == "Карта"}
    assert house
    assert not house & set(truth["members"])
    users: dict[str, set[str]] = defaultdict(set)
    for r in rows("pos_receipts.csv"):
        if r["card_no"] in house:
            users[r["card_no"]].add(
                truth["pos"][f"{r['store_code']}/{r['terminal_id']}/{r['receipt_no']}"]
            )
    assert max(len(p) for p in users.values()) >= 5  # many strangers on one house card


def test_members_truth_persons_exist(truth: dict[str, dict[str, str]], manifest: dict) -> None:
    persons = Counter(truth["members"].values())
    assert all(p.startswith("P") and len(p) == 8 for p in persons)
    assert max(int(p[1:]) for p in persons) <= manifest["customers"]
