"""The operator's controls of identity (issue 14, item 3), on both backends: thresholds as
checked settings (API, CLI), bulk decisions by score, stale suggestions closed and never shown,
the threshold curve from the decisions, and the circuit breaker on the stream."""

from datetime import date, timedelta

from identity_store import T0, StoreBuilder
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from omnicrm.identity import review
from omnicrm.identity.command import app
from omnicrm.identity.incremental import resolve_record
from omnicrm.identity.merge import merge_profiles
from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer, ResolutionBatch, ReviewItem
from support import api_client

API = "/api/v1/identity"


def _cli(engine: Engine, *args: str):  # type: ignore[no-untyped-def]
    url = engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(app, [*args, "--db", url])


def _suggest(engine: Engine, scores: dict[tuple[int, int], float]) -> None:
    with unit_of_work(engine) as s:
        for (a, b), score in scores.items():
            s.add(ReviewItem(left_id=a, right_id=b, score=score, evidence={}, status="pending",
                             created_at=T0))  # fmt: skip


def _people(engine: Engine, n: int, first: int = 0) -> list[int]:
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        return [b.member(f"20000000001{i:02d}", "Анна", "Иванова") for i in range(first, first + n)]


def test_thresholds_are_checked_settings(engine: Engine) -> None:
    client = api_client(engine)
    assert client.get(f"{API}/settings").json()["merge_at"] == 0.9
    saved = client.put(f"{API}/settings", json={"merge_at": 0.97, "review_at": 0.6})
    assert saved.status_code == 200
    assert (saved.json()["merge_at"], saved.json()["review_at"]) == (0.97, 0.6)
    refused = client.put(f"{API}/settings", json={"review_at": 0.98})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == [
        {"field": "review_at", "message": "must be below merge_at"}
    ]
    assert client.get(f"{API}/settings").json()["review_at"] == 0.6  # nothing changed
    bad = _cli(engine, "settings", "--breaker-floor", "0")
    assert bad.exit_code == 1
    assert "breaker_floor" in bad.output
    ok = _cli(engine, "settings", "--merge-at", "0.99")
    assert ok.exit_code == 0, ok.output
    assert client.get(f"{API}/settings").json()["merge_at"] == 0.99


def test_bulk_decisions_stale_items_and_the_threshold_curve(engine: Engine) -> None:
    a, b, c, d, e, f, g = _people(engine, 7)
    _suggest(engine, {(a, b): 0.95, (a, c): 0.93, (b, c): 0.92, (d, e): 0.6, (f, g): 0.7})
    client = api_client(engine)
    done = client.post(f"{API}/review/bulk", json={"approve_from": 0.9, "reject_below": 0.65})
    assert done.json() == {"approved": 2, "rejected": 1, "stale": 1}  # b-c: one after a-b, a-c
    assert [i["score"] for i in client.get(f"{API}/review").json()] == [0.7]
    with unit_of_work(engine) as s:
        decided = {(i.left_id, i.right_id): (i.status, i.decided_by) for i in s.scalars(
            select(ReviewItem))}  # fmt: skip
    assert decided[(b, c)] == ("stale", "stale")
    assert decided[(d, e)][0] == "rejected"
    assert "(bulk reject < 0.65)" in decided[(d, e)][1]
    assert decided[(a, b)][1].startswith("api:test-")
    overlap = client.post(f"{API}/review/bulk", json={"approve_from": 0.5, "reject_below": 0.8})
    assert overlap.status_code == 409
    # Bulk decisions say nothing about where to put the thresholds: the curve ignores them.
    assert client.get(f"{API}/review/curve").json()["points"] == []
    h, i, j, k = _people(engine, 4, first=7)
    _suggest(engine, {(h, i): 0.9, (j, k): 0.8})
    with unit_of_work(engine) as s:
        merge_profiles(s, f, g, method="manual", evidence={})  # f-g became one meanwhile
    assert [x["score"] for x in client.get(f"{API}/review").json()] == [0.9, 0.8]
    ids = {x["score"]: x["id"] for x in client.get(f"{API}/review").json()}
    assert client.post(f"{API}/review/{ids[0.9]}/approve").status_code == 200
    assert _cli(engine, "review", "--reject", str(ids[0.8])).exit_code == 0
    curve = client.get(f"{API}/review/curve").json()
    assert (curve["approved"], curve["rejected"]) == (1, 1)
    first, last = curve["points"][0], curve["points"][-1]
    assert (first["threshold"], first["precision"], first["recall"]) == (0.8, 0.5, 1.0)
    assert (last["precision"], last["recall"]) == (1.0, 1.0)
    assert client.get(f"{API}/status").json()["review"]["stale"] == 2  # the CLI closed f-g
    with unit_of_work(engine) as s:
        item = s.scalars(select(ReviewItem).where(ReviewItem.left_id == f)).one()
        assert (item.status, item.decided_by) == ("stale", "stale")
        assert review.close_stale(s) == 0


def test_the_stream_breaker_holds_merges_back_and_says_why(engine: Engine) -> None:
    client = api_client(engine)
    client.put(f"{API}/settings", json={"stream_batch": 10, "breaker_floor": 2,
                                        "breaker_factor": 3})  # fmt: skip
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        quiet = [b.order(("phone", f"+7916000{n:04d}")) for n in range(30)]  # new people only
        pairs = [
            (b.member(f"2000000002{n:03d}", "Анна", "Иванова"),
             b.member(f"2100000002{n:03d}", "Анна", "Иванова", phone=f"+7903000{n:04d}"))
            for n in range(5)
        ]  # fmt: skip
        bad = [  # a bad feed: each receipt carries one member's card and another's phone
            b.order(("card", f"2000000002{n:03d}"), ("phone", f"+7903000{n:04d}"),
                    at=T0 + timedelta(days=1, minutes=n))
            for n in range(5)
        ]  # fmt: skip
    for order in quiet:
        with unit_of_work(engine) as s:
            resolve_record(s, "order", order)
    with unit_of_work(engine) as s:
        batches = s.scalars(select(ResolutionBatch)).all()
        assert [(x.kind, x.records, x.merges, x.tripped) for x in batches] == [
            ("stream", 10, 0, False)
        ] * 3
    outcomes = []
    for order in bad:
        with unit_of_work(engine) as s:
            outcomes.append(resolve_record(s, "order", order).action)
    assert outcomes == ["merged", "merged", "attached", "attached", "attached"]
    status = client.get(f"{API}/status").json()
    assert status["breaker"]["open"]
    assert "3 automatic merges in a stream batch" in status["breaker"]["reason"]
    held = client.get(f"{API}/review").json()
    assert len(held) == 3
    assert all(i["queued_because"] == status["breaker"]["reason"] for i in held)
    assert {(i["left_id"], i["right_id"]) for i in held} == set(pairs[2:])
    # The operator approves one held pair (merged the way the stream would have) and resumes.
    merged = client.post(f"{API}/review/{held[0]['id']}/approve").json()
    assert merged["status"] == "approved"
    assert client.post(f"{API}/breaker/reset").json()["breaker"]["open"] is False
    with unit_of_work(engine) as s:
        left, right = held[0]["left_id"], held[0]["right_id"]
        assert s.get(Customer, right).merged_into_id == left
    assert "Automatic merging is stopped" not in _cli(engine, "status").output


def test_a_bulk_run_far_above_its_baseline_sends_its_merges_to_review(engine: Engine) -> None:
    """Three quiet runs before; then a run that would merge twenty pairs (with the merge
    threshold an operator set low) trips the breaker: it merges nothing, its pairs wait in review
    with the reason, and the status says so."""
    firsts = ("Анна", "Мария", "Ольга", "Елена", "Ирина", "Наталья", "Татьяна", "Светлана",
              "Юлия", "Дарья", "Пётр", "Иван", "Сергей", "Андрей", "Алексей", "Дмитрий",
              "Михаил", "Николай", "Егор", "Максим")  # fmt: skip
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        for n, first in enumerate(firsts):
            for copy in range(2):  # one person's two cards, no key in common
                b.member(
                    f"2{copy}00000003{n:03d}",
                    first,
                    f"Фамилия{chr(1072 + n)}",
                    birth=date(1980 + n, 1 + n % 12, 1 + n),
                    gender="F" if n < 10 else "M",
                )
        for _ in range(3):
            s.add(ResolutionBatch(kind="bulk", records=40, merges=0, baseline=None,
                                  tripped=False, created_at=T0))  # fmt: skip
    client = api_client(engine)
    client.put(f"{API}/settings", json={"merge_at": 0.51, "review_at": 0.5, "breaker_floor": 5})
    report = resolve_all(engine, probabilistic=True)
    assert report.probabilistic_merges == 0
    status = client.get(f"{API}/status").json()
    assert status["breaker"]["open"]
    assert "in a bulk probabilistic batch of 40 records" in status["breaker"]["reason"]
    held = client.get(f"{API}/review?limit=500").json()
    assert len(held) == report.review_items >= 15
    assert all(i["queued_because"] == status["breaker"]["reason"] for i in held)
    assert status["batches"][0]["tripped"]
    with unit_of_work(engine) as s:
        assert s.scalar(select(Customer.id).where(Customer.merged_into_id.is_not(None))) is None
    # The operator looks, approves the held pairs in bulk and closes the breaker.
    done = client.post(f"{API}/review/bulk", json={"approve_from": 0.5}).json()
    assert done["approved"] == len(held)
    assert client.post(f"{API}/breaker/reset").json()["breaker"]["open"] is False
    with unit_of_work(engine) as s:
        merged = s.scalars(select(Customer.id).where(Customer.merged_into_id.is_not(None)))
        assert len(merged.all()) == len(held)


def test_a_bad_feed_in_the_deterministic_run_is_held_back_whole(engine: Engine) -> None:
    """A feed that ties twelve members together by a phone nobody quarantined (each order names
    two members' cards and no one else) trips the deterministic run's breaker: nothing of the
    run is written, each merge waits in review, and the next run, breaker open, holds again."""
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        members = [b.member(f"2000000004{n:03d}", "Анна", "Иванова") for n in range(24)]
        for _ in range(2):
            s.add(ResolutionBatch(kind="keys", records=48, merges=0, baseline=None,
                                  tripped=False, created_at=T0))  # fmt: skip
    client = api_client(engine)
    client.put(f"{API}/settings", json={"breaker_floor": 5})
    resolve_all(engine)  # the members alone: nothing merges, a quiet batch
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        for n in range(12):
            b.order(("card", f"2000000004{2 * n:03d}"), ("card", f"2000000004{2 * n + 1:03d}"))
    report = resolve_all(engine)
    assert (report.deterministic.merges, report.deterministic.held_back) == (0, 12)
    status = client.get(f"{API}/status").json()
    assert "12 automatic merges in a bulk deterministic batch" in status["breaker"]["reason"]
    held = client.get(f"{API}/review").json()
    assert {(i["left_id"], i["right_id"]) for i in held} == {
        (members[2 * n], members[2 * n + 1]) for n in range(12)
    }
    assert all(i["evidence"]["method"] == "deterministic" for i in held)
    with unit_of_work(engine) as s:
        assert s.scalar(select(Customer.id).where(Customer.merged_into_id.is_not(None))) is None
    again = resolve_all(engine)  # still open: held again, nothing queued twice
    assert again.deterministic.held_back == 12
    assert len(client.get(f"{API}/review").json()) == 12
    client.post(f"{API}/breaker/reset")
    client.put(f"{API}/settings", json={"breaker_floor": 20})  # the operator judges it fine
    assert resolve_all(engine).deterministic.merges == 12
    assert client.get(f"{API}/review").json() == []  # the held items are stale now
