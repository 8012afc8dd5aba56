"""Page benchmark: server time of every workstation page, signed in as an administrator.

    python benchmarks/bench_pages.py --customers 300          # generate, import, resolve, then load
    python benchmarks/bench_pages.py --db URL --loads 10      # an existing store

Pages are requested in-process (the ASGI app under Starlette's test client), so the figures are the
server's work: routing, queries, templates, without a network. Each page is loaded ``--loads`` times
after one first load; the first load's time, p50 and max are printed per page.

The snapshot is refreshed first (the page's action), and the server computes every dashboard and
analytics page with its default filters in the background; the benchmark waits for that, so the
default pages' first loads are cache hits. The same pages with a channel filter
(``?channel=store``) are a filter set nobody asked for yet: their first load is the cold cost of
computing the analyses on the snapshot.
"""

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omnicrm.api.app import create_app
from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.bulk import import_directory
from omnicrm.promotions.lifecycle import create_promotion
from omnicrm.store.db import make_engine, read_session, unit_of_work
from omnicrm.store.migrate import upgrade
from omnicrm.store.schema import Identifier, Merge, Order, Product
from omnicrm.store.schema.promotions import Promotion
from omnicrm.synth import generate
from omnicrm.web.demo import DEMO_LOGINS, ensure_demo_users
from omnicrm.web.insights.views import VIEWS


def _prepare(args: argparse.Namespace, workdir: Path) -> Engine:
    engine = make_engine(args.db or f"sqlite:///{workdir / 'pages.db'}")
    upgrade(engine)
    if not args.db:
        started = time.perf_counter()
        generate(workdir / "data", args.customers, seed=42, workers=1)
        import_directory(engine, workdir / "data")
        resolve_all(engine)
        print(f"prepared {args.customers} customers in {time.perf_counter() - started:.1f}s")
    ensure_demo_users(engine)
    return engine


BENCH_PROMOTION = "BENCH10"


def _promotion(engine: Engine) -> str | None:
    """A draft promotion (10 % off one SKU) for the constructor and simulation pages."""
    with unit_of_work(engine) as s:
        sku = s.scalar(select(Product.sku).order_by(Product.id).limit(1))
        if sku is None:
            return None
        if s.scalar(select(Promotion.id).where(Promotion.code == BENCH_PROMOTION)) is None:
            rules = {
                "code": BENCH_PROMOTION, "name": "Bench 10%", "stacking": "best",
                "conditions": [{"type": "items", "select": {"skus": [sku]}}],
                "effects": [{"type": "percent_off", "percent": "10"}],
                "budget": {"money_minor": 100_000_00},
            }  # fmt: skip
            create_promotion(s, rules, datetime.now(UTC))
    return BENCH_PROMOTION


def _pages(engine: Engine) -> list[str]:
    """Every page, with the busiest customer (most orders) for the profile and search pages."""
    with read_session(engine) as s:
        busiest = s.execute(
            select(Order.customer_id, func.count())
            .where(Order.customer_id.is_not(None))
            .group_by(Order.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        phone = s.scalar(
            select(Identifier.value).where(
                Identifier.kind == "phone", Identifier.customer_id == (busiest and busiest[0])
            )
        )
        merge = s.scalar(select(Merge.id).where(Merge.undone_at.is_(None)).limit(1))
    pages = ["/customers", "/identity/review", "/loyalty", "/admin/users", "/admin/keys"]
    pages.append("/admin/audit")
    pages += ["/dashboard", "/dashboard?grain=week", "/analytics"]
    pages += [view.path for view in VIEWS]
    pages += ["/dashboard?channel=store"] + [f"{view.path}?channel=store" for view in VIEWS]
    pages.append("/analytics/reports/sales/download?format=xlsx")
    pages += ["/promotions", "/promotions?status=draft", "/promotions/new"]
    promotion = _promotion(engine)
    if promotion:
        pages.append(f"/promotions/{promotion}")
        pages.append(f"/promotions/{promotion}/simulate")
        with read_session(engine) as s:
            first, last = s.execute(
                select(func.min(Order.placed_at), func.max(Order.placed_at))
            ).one()
        if first:
            period = f"since={first.date().isoformat()}&until={last.date().isoformat()}"
            pages.append(f"/promotions/{promotion}/simulate?{period}")
    if busiest:
        pages.append(f"/customers/{busiest[0]}")
    if phone:
        pages.append(f"/customers?q={quote(phone)}")
    if merge:
        pages.append(f"/identity/merges/{merge}/unmerge")
    return pages


def _token(client: TestClient, page: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text).group(1)


def _signed_in(engine: Engine) -> TestClient:
    admin = DEMO_LOGINS[0]
    client = TestClient(create_app(engine), follow_redirects=False)
    token = _token(client)
    answer = client.post(
        "/login", data={"username": admin.username, "password": admin.password, "csrf_token": token}
    )
    if answer.status_code != 303:
        sys.exit(f"could not sign in as {admin.username}: {answer.status_code}")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--db", help="an existing store (default: generate one)")
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = _prepare(args, Path(tmp))
        client = _signed_in(engine)
        started = time.perf_counter()
        client.post("/analytics/refresh", data={"csrf_token": _token(client)})
        refreshed = time.perf_counter()
        print(f"snapshot refreshed in {refreshed - started:.1f}s")
        for thread in threading.enumerate():
            if thread.name == "analytics-warmup":
                thread.join()
        print(f"default pages computed ahead in {time.perf_counter() - refreshed:.1f}s")
        print(f"{'page':<56} {'first ms':>8} {'p50 ms':>8} {'max ms':>8}")
        for page in _pages(engine):
            started = time.perf_counter()
            if client.get(page).status_code != 200:
                sys.exit(f"{page} did not answer 200")
            cold = (time.perf_counter() - started) * 1000
            times = []
            for _ in range(args.loads):
                started = time.perf_counter()
                client.get(page)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{page:<56} {cold:>8.1f} {statistics.median(times):>8.1f} {max(times):>8.1f}")
        engine.dispose()


if __name__ == "__main__":
    main()
