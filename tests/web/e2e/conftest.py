"""The real server over a small demo store, and Debian's chromium driven by Playwright.

The store: ~300 synthetic customers generated, imported and resolved as in ``omnicrm demo``, the
example loyalty program with one member who bought something at a till (through the API, with a
till's key), one suggested merge waiting in the review queue, and the demo users. E-mail from
the workstation (a campaign's test send) goes to an in-process SMTP server (``Demo.inbox``)."""

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from browser_demo import SCREENSHOTS, Demo
from sqlalchemy import Engine, func, select

from campaigns.sending_fakes import start_smtp
from omnicrm.access.keys import create_key
from omnicrm.api.app import create_app
from omnicrm.campaigns.channels.smtp import SmtpProvider
from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.bulk import import_directory
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.store.db import make_engine, read_session, unit_of_work
from omnicrm.store.schema import Customer, Identifier, Order, ReviewItem
from omnicrm.synth import generate
from omnicrm.web.demo import ensure_demo_users

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _suggest_a_merge(engine: Engine) -> int:
    """A pending suggestion between two live profiles sharing a last name (the probabilistic
    stage decides these on real data; here one is queued by hand)."""
    with unit_of_work(engine) as s:
        last = s.execute(
            select(Customer.last_name, func.min(Customer.id), func.max(Customer.id))
            .where(Customer.merged_into_id.is_(None), Customer.last_name.is_not(None))
            .group_by(Customer.last_name)
            .having(func.count() > 1)
            .order_by(Customer.last_name)
            .limit(1)
        ).one()
        evidence = {"compared": {"last_name": True, "first_name": False}, "model": "e2e"}
        item = ReviewItem(
            left_id=last[1], right_id=last[2], score=0.81, evidence=evidence, status="pending",
            created_at=datetime.now(UTC),
        )  # fmt: skip
        s.add(item)
        s.flush()
        return item.id


def _busiest_phone(engine: Engine) -> tuple[str, int]:
    """The phone of the customer with the most orders: an omnichannel shopper."""
    with read_session(engine) as s:
        return s.execute(
            select(Identifier.value, Identifier.customer_id)
            .join(Order, Order.customer_id == Identifier.customer_id)
            .where(Identifier.kind == "phone")
            .group_by(Identifier.value, Identifier.customer_id)
            .order_by(func.count().desc(), Identifier.customer_id)
            .limit(1)
        ).one()


def _buy_at_a_till(base_url: str, engine: Engine, phone: str) -> None:
    with unit_of_work(engine) as s:
        secret = create_key(s, "e2e-till", ["till:*", "loyalty:*"])
    with httpx.Client(base_url=f"{base_url}/api/v1", headers={"X-API-Key": secret}) as api:
        enrolled = api.post("/loyalty/enrol", json={"channel": "till", "phone": phone,
                                                     "consents": {"sms": True}})  # fmt: skip
        assert enrolled.status_code == 200, enrolled.text
        receipt = {
            "terminal": "T1", "receipt_id": "e2e-1",
            "identify": {"kind": "account", "value": str(enrolled.json()["account_id"])},
            "lines": [{"line_no": 1, "sku": "SKU-1", "category": "toys", "qty": 2,
                       "price_minor": 1_234_50}],
        }  # fmt: skip
        confirmed = api.post("/till/confirm", json=receipt)
        assert confirmed.status_code == 200, confirmed.text


@pytest.fixture(scope="package")
def demo(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    root = tmp_path_factory.mktemp("e2e")
    generate(root / "data", 300, seed=7, workers=1)
    shutil.copyfile(sqlite_template, root / "demo.db")
    engine = make_engine(f"sqlite:///{root / 'demo.db'}")
    import_directory(engine, root / "data")
    resolve_all(engine)
    with unit_of_work(engine) as s:
        save_program(s, read_program_file(EXAMPLES / "retail.json"))
    ensure_demo_users(engine)
    review_id = _suggest_a_merge(engine)
    port = _free_port()
    app = create_app(engine)
    smtp, inbox = start_smtp()
    app.state.providers = lambda: {
        "email": SmtpProvider(smtp.hostname, smtp.port, "crm@shop.example")
    }
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base_url = f"http://127.0.0.1:{port}"
    phone, member = _busiest_phone(engine)
    _buy_at_a_till(base_url, engine, phone)
    yield Demo(base_url, engine, phone, member, review_id, inbox)
    server.should_exit = True
    thread.join(10)
    smtp.stop()
    engine.dispose()


@pytest.fixture(scope="package")
def browser(demo: Demo) -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
