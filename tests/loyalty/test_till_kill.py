"""kill -9 of the server under till load: real HTTP clients confirm receipts against
``python -m omnicrm serve`` in its own process, the process is SIGKILLed mid-way and restarted,
every receipt whose answer was not seen is sent again, and every receipt is then applied exactly
once: one operation, one order, and the ledger holds exactly the points the answers report."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from loyalty_helpers import receipt
from sqlalchemy import Engine, func, select

from omnicrm.store.db import read_session
from omnicrm.store.schema import Order
from omnicrm.store.schema.loyalty import LoyaltyEntry, LoyaltyOperation

THREADS = 4
RECEIPTS_PER_THREAD = 40
KILL_AFTER_ANSWERS = 40
START_TIMEOUT_S = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(engine: Engine, log: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """``omnicrm serve`` on a free port, answering health checks; killed on the way out."""
    port = _free_port()
    url = engine.url.render_as_string(hide_password=False)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "omnicrm", "serve", "--db", url, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _send(base: str, key: str, bodies: dict[str, dict], answers: dict[str, dict]) -> None:
    """Post each receipt once, in order, until the server goes away; record what was answered."""
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=20) as http:
        for receipt_id, body in bodies.items():
            try:
                response = http.post("/api/v1/till/confirm", json=body)
            except httpx.TransportError:
                return  # the server died: this answer, and the ones after it, were not seen
            assert response.status_code in (200, 201), response.text
            answers[receipt_id] = response.json()


@pytest.mark.slow
def test_kill_9_under_till_load_loses_no_receipt_and_applies_none_twice(
    program_engine: Engine, client: TestClient, enrol, tmp_path: Path
) -> None:
    key = client.headers["X-API-Key"]
    bodies: list[dict[str, dict]] = []
    for t in range(THREADS):
        account = enrol()["account_id"]
        bodies.append(
            {
                f"K{t}-{n}": receipt(
                    f"K{t}-{n}", account, [("MILK", "dairy", 1 + n % 3, 10_000)], terminal=f"T{t}"
                )
                for n in range(RECEIPTS_PER_THREAD)
            }
        )
    answers: dict[str, dict] = {}
    log = tmp_path / "server.log"
    with _server(program_engine, log) as (process, base):
        threads = [
            threading.Thread(target=_send, args=(base, key, part, answers)) for part in bodies
        ]
        for thread in threads:
            thread.start()
        while len(answers) < KILL_AFTER_ANSWERS and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        for thread in threads:
            thread.join()
    seen_before_kill = dict(answers)
    assert 0 < len(seen_before_kill) < THREADS * RECEIPTS_PER_THREAD, "the kill came too late"

    with _server(program_engine, log) as (_, base):
        unseen = [{k: b for k, b in part.items() if k not in answers} for part in bodies]
        for part in unseen:
            _send(base, key, part, answers)
    every = {k for part in bodies for k in part}
    assert set(answers) == every

    with read_session(program_engine) as s:
        operations = dict(
            s.execute(
                select(LoyaltyOperation.op_key, func.count())
                .where(LoyaltyOperation.kind == "confirm")
                .group_by(LoyaltyOperation.op_key)
            ).all()
        )
        orders = dict(
            s.execute(
                select(Order.source_key, func.count())
                .where(Order.source == "till")
                .group_by(Order.source_key)
            ).all()
        )
        ledger = s.scalar(select(func.sum(LoyaltyEntry.points))) or 0
    assert operations == dict.fromkeys(every, 1)
    assert orders == {f"T{k[1]}/{k}": 1 for k in every}
    for receipt_id, answer in seen_before_kill.items():  # a confirmed receipt is kept as answered
        assert answers[receipt_id] == answer
    assert ledger == sum(answer["points_earned"] for answer in answers.values())
    assert ledger > 0
