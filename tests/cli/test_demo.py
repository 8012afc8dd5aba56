"""The README's demo path end to end: generate, import, serve; the server answers on /docs and
lists demo customers."""

import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
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
    return Demo(url, key.group(1))


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


def test_running_the_demo_again_imports_nothing_twice(demo: Demo) -> None:
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
