"""Streaming ingestion throughput with incremental identity resolution: the API under uvicorn,
several clients posting web orders and app events.

    python benchmarks/bench_stream.py --clients 8 --seconds 10 [--db postgres --pg-url ...]

Starts the API in a subprocess on a free port over a fresh database, and from ``--clients``
threads for ``--seconds`` posts new records, each resolved in the transaction that stores it: one
in four a web order whose phone is one of ``--shoppers`` per client (the first order of a phone
creates a profile, later ones attach to it, and its app is named by a device id), the others app
events of those devices (attached through the device). Prints events/s with p50/p99 latency and
what identity did.
"""

import argparse
import collections
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from bench_import import DEFAULT_PG, fresh_database
from omnicrm.access.keys import create_key
from omnicrm.ingest.stream import ingest_record
from omnicrm.store.db import unit_of_work


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the API did not start")


PRODUCT = {
    "sku": "BENCH1",
    "name": "Крем",
    "category_path": "Косметика/Уход",
    "brand": "",
    "price_minor": "39900",
    "currency": "RUB",
}


def web_order(order_id: str, phone: str, device: str) -> dict:
    return {
        "order_id": order_id,
        "created_at": "2025-03-01T12:04:11+03:00",
        "customer": {"email": None, "phone": phone, "name": None, "cookie": None,
                     "device_id": device, "card_no": None},
        "utm": None,
        "items": [{"line_no": 1, "sku": "BENCH1", "qty": 1, "price": "399.00",
                   "discount": "0.00"}],
        "payments": [{"method": "card", "amount": "399.00"}],
        "delivery": {"type": "courier", "store_code": None, "pickup_point": None,
                     "address": "Москва", "cost": "0.00"},
        "status_history": [{"status": "created", "at": "2025-03-01T12:04:11+03:00"}],
    }  # fmt: skip


def client_loop(
    base: str,
    key: str,
    stop: float,
    shoppers: int,
    latencies: list[float],
    failures: list[int],
    actions: collections.Counter,
) -> None:
    prefix = uuid.uuid4().hex[:8]
    digits = f"{int(prefix[:5], 16) % 10000:04d}"
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        n = 0
        while time.monotonic() < stop:
            n += 1
            shopper = (n // 4) % shoppers
            device = f"d-{prefix}-{shopper}"
            if n % 4 == 0:
                path = "/api/v1/ingest/web"
                body = web_order(f"{prefix}-{n}", f"+7903{digits}{shopper:03d}", device)
            else:
                path = "/api/v1/ingest/app_events"
                body = {
                    "event_id": f"{prefix}-{n}",
                    "ts": 1740819600000 + n,
                    "device_id": device,
                    "type": "app_open",
                }
            started = time.perf_counter()
            response = http.post(path, json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                failures.append(response.status_code)
            else:
                actions[f"{path.rsplit('/', 1)[1]} {response.json()['identity']}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--shoppers", type=int, default=50, help="phones per client")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="omnicrm-stream-") as tmp:
        engine, drop = fresh_database(args.db, args.pg_url, Path(tmp))
        with unit_of_work(engine) as session:
            key = create_key(session, "bench", ["ingest:*"])
        ingest_record(engine, "products", PRODUCT)
        port = free_port()
        env = {
            **os.environ,
            "OMNICRM_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "omnicrm.api.app:create_app",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, time.monotonic() + 30)
            latencies: list[float] = []
            failures: list[int] = []
            actions: collections.Counter = collections.Counter()
            stop = time.monotonic() + args.seconds
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=client_loop,
                    args=(base, key, stop, args.shoppers, latencies, failures, actions),
                )
                for _ in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
            drop()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    one, five, fifteen = os.getloadavg()
    print(f"backend    {args.db}, {args.clients} clients, {elapsed:.1f}s")
    print(f"load avg   {one:.2f} {five:.2f} {fifteen:.2f} (after the run)")
    print(f"events     {len(latencies):,} ({len(failures)} failed)")
    print(f"events/s   {len(latencies) / elapsed:,.0f}")
    print(f"p50        {statistics.median(latencies) * 1000 if latencies else 0:.1f} ms")
    print(f"p99        {p99 * 1000:.1f} ms")
    print("identity   " + ", ".join(f"{k}: {v:,}" for k, v in sorted(actions.items())))


if __name__ == "__main__":
    main()
