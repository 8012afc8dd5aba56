"""The README's demo path end to end: generate, import, serve; the server answers on /docs and
lists demo customers."""

import json
import re
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from omnicrm.cli import app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Demo:
    url: str
    api_key: str
    till_call: str
    """The printed curl command of a till calculate."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{root / 'demo.db'}"
    args = [
        "demo",
        "--no-serve",
        "--customers",
        "300",
        "--data-dir",
        str(root / "data"),
        "--db",
        url,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "sign in: admin" in result.output
    key = re.search(r"API key .*: (ocrm_\S+)", result.output)
    assert key, result.output
    call = re.search(r"^\s*(curl .*/till/calculate.*)$", result.output, re.MULTILINE)
    assert call, result.output
    assert re.search(r"till: [1-9]\d* receipts and \d+ returns sold again", result.output)
    assert re.search(r"predictions: clv v1, [1-9][\d,]* customers scored", result.output)
    return Demo(url, key.group(1), call.group(1))


def test_the_demo_server_serves_docs_customers_and_the_workstation(demo: Demo) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "omnicrm", "serve", "--db", demo.url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        docs = httpx.get(f"{base}/docs")
        assert docs.status_code == 200
        assert "swagger-ui" in docs.text
        key = {"X-API-Key": demo.api_key}
        customers = httpx.get(f"{base}/api/v1/customers", headers=key).json()
        assert customers["total"] > 100
        assert customers["items"][0]["last_name"]
        assert httpx.get(f"{base}/api/v1/customers").status_code == 401
        workstation = httpx.get(base, follow_redirects=True)
        assert workstation.status_code == 200
        assert "password" in workstation.text
    finally:
        server.terminate()
        server.wait(10)


def _client(demo: Demo) -> TestClient:
    from omnicrm.api.app import create_app
    from omnicrm.store.db import make_engine

    return TestClient(create_app(make_engine(demo.url)), headers={"X-API-Key": demo.api_key})


def test_the_printed_till_call_works_as_it_stands(demo: Demo) -> None:
    """The README's till example: the printed command, run as is, prices a receipt for a
    migrated member with points (here through the app in process instead of curl)."""
    words = shlex.split(demo.till_call)
    body = json.loads(words[words.index("-d") + 1])
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    assert headers["X-API-Key"] == demo.api_key
    answer = _client(demo).post("/api/v1/till/calculate", json=body)
    assert answer.status_code == 200, answer.text
    quote = answer.json()
    assert quote["points_spent"] == 100
    assert quote["points_earned"] > 0
    assert quote["level"] in {"base", "silver", "gold"}


def test_the_demo_lives_in_one_loop(demo: Demo) -> None:
    """Members have accounts with levels, till receipts are orders in their history, and a
    level promotion's simulation reaches someone."""
    client = _client(demo)
    by_level = client.get("/api/v1/analytics/kpi", params={"by": "level"}).json()
    levels = {r["group"] for r in by_level["rows"] if r["kpi"] == "receipts" and r["value"]}
    assert {"base", "silver"} <= levels
    from sqlalchemy import select

    from omnicrm.store.db import make_engine, read_session
    from omnicrm.store.schema import Order

    with read_session(make_engine(demo.url)) as session:
        customer = session.scalar(
            select(Order.customer_id).where(Order.loyalty_operation_id.is_not(None)).limit(1)
        )
    history = client.get(f"/api/v1/customers/{customer}/orders").json()
    assert any(o["channel"] == "store" for o in history["items"])
    promotion = {
        "code": "GOLDEN",
        "name": "silver and gold 5%",
        "conditions": [{"type": "customer_level", "levels": ["silver", "gold"]}],
        "effects": [{"type": "percent_off", "percent": "5", "target": "lines"}],
    }
    assert client.post("/api/v1/promotions", json=promotion).status_code == 201
    span = {"start": "2020-01-01T00:00:00+00:00", "end": "2030-01-01T00:00:00+00:00"}
    simulated = client.post("/api/v1/promotions/GOLDEN/simulate", json=span).json()
    assert simulated["customers_reached"] > 0
    assert 0 < simulated["receipts_reached"] < simulated["receipts"]


def test_running_the_demo_again_imports_nothing_twice(demo: Demo) -> None:
    """Last in the module: the rerun rotates the demo key the other tests use."""
    from sqlalchemy import func, select

    from omnicrm.store.db import make_engine, read_session
    from omnicrm.store.schema import Order

    engine = make_engine(demo.url)
    with read_session(engine) as session:
        before = session.scalar(select(func.count()).select_from(Order))
    data_dir = Path(demo.url.removeprefix("sqlite:///")).parent / "data"
    args = ["demo", "--no-serve", "--data-dir", str(data_dir), "--db", demo.url]
    assert CliRunner().invoke(app, args).exit_code == 0
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == before > 0
