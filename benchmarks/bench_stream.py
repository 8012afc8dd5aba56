"""Streaming ingestion throughput: the API under uvicorn, several clients posting events.

    python benchmarks/bench_stream.py --clients 8 --seconds 10 [--db postgres --pg-url ...]

Starts the API in a subprocess on a free port over a fresh database, posts app events (each new)
from ``--clients`` threads for ``--seconds``, and prints events/s with p50/p99 latency.
"""

import argparse
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


def client_loop(
    base: str, key: str, stop: float, latencies: list[float], failures: list[int]
) -> None:
    prefix = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        n = 0
        while time.monotonic() < stop:
            n += 1
            event = {
                "event_id": f"{prefix}-{n}",
                "ts": 1740819600000 + n,
                "device_id": f"d-{prefix}",
                "type": "app_open",
            }
            started = time.perf_counter()
            response = http.post("/api/v1/ingest/app_events", json=event)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                failures.append(response.status_code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="omnicrm-stream-") as tmp:
        engine, drop = fresh_database(args.db, args.pg_url, Path(tmp))
        with unit_of_work(engine) as session:
            key = create_key(session, "bench", ["ingest:*"])
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
            stop = time.monotonic() + args.seconds
            started = time.perf_counter()
            threads = [
                threading.Thread(target=client_loop, args=(base, key, stop, latencies, failures))
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
    print(f"backend    {args.db}, {args.clients} clients, {elapsed:.1f}s")
    print(f"events     {len(latencies):,} ({len(failures)} failed)")
    print(f"events/s   {len(latencies) / elapsed:,.0f}")
    print(f"p50        {statistics.median(latencies) * 1000 if latencies else 0:.1f} ms")
    print(f"p99        {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
