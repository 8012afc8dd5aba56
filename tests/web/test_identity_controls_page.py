"""The operator's controls on the identity review page: thresholds saved (and refused when
wrong), bulk decisions by score, the threshold chart with what it is based on, and the circuit
breaker's notice with its reset; every change audited."""

from sqlalchemy import select
from web_store import Store, post, signed_in

from omnicrm.identity import breaker, thresholds
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import ReviewItem
from omnicrm.store.schema.staff import StaffAuditEntry

PAGE = "/identity/review"


def _last_action(store: Store) -> str | None:
    with read_session(store.engine) as s:
        return s.scalar(select(StaffAuditEntry.action).order_by(StaffAuditEntry.id.desc()))


def test_thresholds_are_saved_from_the_page_and_a_bad_one_changes_nothing(
    fresh_store: Store,
) -> None:
    marketer = signed_in(fresh_store.engine, "marketer")
    page = marketer.get(PAGE).text
    assert 'id="identity-settings"' in page
    assert 'name="merge_at" value="0.9"' in page
    done = post(marketer, "/identity/settings", {"merge_at": "0,98", "review_at": "0.7"}, page=PAGE)
    assert done.headers["location"] == PAGE
    assert 'name="merge_at" value="0.98"' in marketer.get(PAGE).text
    assert _last_action(fresh_store) == "identity_settings"
    post(marketer, "/identity/settings", {"review_at": "0.99"}, page=PAGE)
    page = marketer.get(PAGE).text
    assert 'class="flash error"' in page
    assert "review_at: must be below merge_at" in page
    with read_session(fresh_store.engine) as s:
        assert thresholds.load(s).review_at == 0.7


def test_bulk_decisions_and_the_chart_of_one_by_one_decisions(fresh_store: Store) -> None:
    marketer = signed_in(fresh_store.engine, "marketer")
    assert 'id="curve-basis"' in marketer.get(PAGE).text
    assert 'id="threshold-chart"' not in marketer.get(PAGE).text  # no decision yet
    post(marketer, f"/identity/review/{fresh_store.review_id}/reject", page=PAGE)
    page = marketer.get(PAGE).text
    assert 'id="threshold-chart"' in page
    assert "Оценка по 1 решениям, принятым людьми по одному" in page  # Russian by default
    with unit_of_work(fresh_store.engine) as s:
        item = s.get(ReviewItem, fresh_store.review_id)
        assert item.decided_by == "web:marketer"
    done = post(marketer, "/identity/review/bulk", {"approve_from": "1.5"}, page=PAGE)
    assert done.status_code == 303
    assert 'class="flash error"' in marketer.get(PAGE).text
    post(marketer, "/identity/review/bulk", {"reject_below": "0.5"}, page=PAGE)
    assert "Подтверждено: 0, отклонено: 0" in marketer.get(PAGE).text
    assert _last_action(fresh_store) == "review_bulk"


def test_the_breaker_notice_and_its_reset(fresh_store: Store) -> None:
    with unit_of_work(fresh_store.engine) as s:
        for _ in range(2):
            breaker.record_batch(s, "stream", 1000, 1)
        verdict = breaker.record_batch(s, "stream", 1000, 400)
    assert verdict.tripped
    marketer = signed_in(fresh_store.engine, "marketer")
    page = marketer.get(PAGE).text
    assert 'id="breaker-open"' in page
    assert "400 automatic merges in a stream batch of 1000 records" in page
    post(marketer, "/identity/breaker/reset", page=PAGE)
    assert 'id="breaker-open"' not in marketer.get(PAGE).text
    assert _last_action(fresh_store) == "identity_breaker_reset"
    with read_session(fresh_store.engine) as s:
        assert breaker.open_reason(s) is None
        assert thresholds.load(s).merge_at == 0.9
