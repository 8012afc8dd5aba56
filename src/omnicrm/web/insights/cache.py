"""Analyses are read from the snapshot, never from the store, and each result is kept in process
per (snapshot refresh, analysis, filters, options): a page opened again, or by a colleague, with
the same filters costs a dictionary lookup. A refresh of the snapshot changes its stamp, so results
of the old snapshot are never served (and the refresh action also empties the cache)."""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Engine

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report
from omnicrm.analytics.router import get_snapshot
from omnicrm.analytics.service import Analysis, run
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.web.config import get_web_settings

T = TypeVar("T")
MAX_ENTRIES = 512
log = logging.getLogger(__name__)


class ResultCache:
    """A bounded LRU of computed results, safe to share between request threads."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.warmed: object = None
        """The snapshot stamp whose default pages were last computed ahead."""

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = compute()  # outside the lock: a slow analysis must not hold up cached pages
        with self._lock:
            self.misses += 1
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def claim_warmup(self, stamp: object) -> bool:
        """True once per stamp: the caller then computes the default pages ahead."""
        with self._lock:
            if self.warmed == stamp:
                return False
            self.warmed = stamp
            return True

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the filter lists offer: the values present in the snapshot."""

    channels: tuple[str, ...]
    stores: tuple[tuple[str, str], ...]
    """(code, name)."""
    cities: tuple[str, ...]
    levels: tuple[str, ...]
    newest: date | None
    """The local day (workstation zone) of the newest purchase, None for an empty snapshot."""


CHANNELS = ("store", "web", "app", "call_centre", "marketplace")
"""Offered even before the snapshot holds a purchase on them."""
CHOICES_SQL = {
    "channels": "SELECT DISTINCT channel FROM purchases WHERE channel IS NOT NULL ORDER BY 1",
    "stores": "SELECT code, coalesce(name, code) FROM stores WHERE code IS NOT NULL ORDER BY 1",
    "cities": """SELECT DISTINCT city FROM (SELECT city FROM stores UNION SELECT city FROM people)
                 WHERE city IS NOT NULL ORDER BY 1""",
    "levels": "SELECT DISTINCT level FROM people WHERE level IS NOT NULL ORDER BY 1",
}


class Insights:
    """The app's snapshot and result cache, as the pages use them."""

    def __init__(self, snapshot: Snapshot, cache: ResultCache, warmup: bool = True) -> None:
        self.snapshot = snapshot
        self.cache = cache
        self.stamp: datetime | None = snapshot.last_refresh()
        self.warmup = warmup

    def warm(self, job: Callable[["Insights"], None]) -> None:
        """Run ``job`` (computing the pages' default views) in the background, once per
        snapshot: so the first person to open a page after a refresh finds it ready."""
        if not self.warmup or not self.cache.claim_warmup(self.stamp):
            return

        def quietly() -> None:
            try:
                job(self)
            except Exception:  # a page computes its own result if this fails
                log.exception("analytics warm-up failed")

        threading.Thread(target=quietly, name="analytics-warmup", daemon=True).start()

    def report(self, name: str, analysis: Analysis, query: Query, options: Hashable = ()) -> Report:
        """``analysis`` over ``query``, computed once per snapshot and arguments."""
        key = (self.stamp, name, query, options)
        return self.cache.get(key, lambda: run(self.snapshot, analysis, query))

    def computed(self, name: str, compute: Callable[[], T], *args: Hashable) -> T:
        """Any other value derived from the snapshot, cached the same way."""
        return self.cache.get((self.stamp, name, *args), compute)

    def choices(self) -> Choices:
        return self.computed("choices", self._choices)

    def _choices(self) -> Choices:
        cursor = self.snapshot.cursor()
        try:
            found = {k: cursor.execute(sql).fetchall() for k, sql in CHOICES_SQL.items()}
        finally:
            cursor.close()
        newest = self.snapshot.newest_purchase()
        return Choices(
            channels=tuple(sorted(set(CHANNELS) | {r[0] for r in found["channels"]})),
            stores=tuple((r[0], r[1]) for r in found["stores"]),
            cities=tuple(r[0] for r in found["cities"]),
            levels=(*(r[0] for r in found["levels"]), "(none)"),
            newest=newest.astimezone(get_web_settings().zone).date() if newest else None,
        )

    def refresh(self, engine: Engine) -> Any:
        result = self.snapshot.refresh(engine)
        self.cache.clear()
        self.stamp = self.snapshot.last_refresh()
        return result


def insights(request: Request, engine: Engine) -> Insights:
    """The snapshot the analytics API uses too (one per app, refreshed once if it never was)."""
    snapshot = get_snapshot(request, engine)
    state = request.app.state
    cache = getattr(state, "web_analytics_cache", None)
    if cache is None:
        cache = state.web_analytics_cache = ResultCache()
    return Insights(snapshot, cache, warmup=getattr(state, "analytics_warmup", True))
