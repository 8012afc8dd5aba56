"""kill -9 of the sending worker in the middle of a 10,000-recipient outbox, then a restart:
every message reaches the SMTP server, counted by Message-ID; the only repeats possible are the
sends of the group whose outcomes were not committed yet (``commit_every``, one sending thread),
and they carry the same Message-ID (the idempotency key)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from sending_fakes import add_customers, message, start_smtp
from sqlalchemy import Engine, func, select

from omnicrm.campaigns.channels.smtp import message_id
from omnicrm.campaigns.messages import enqueue
from omnicrm.campaigns.worker import SendingSettings
from omnicrm.store.schema.campaigns_outbox import CampaignMessage

N = 10_000
GATE_OFF = {
    "OMNICRM_GLOBAL_CONTROL_BP": "0",
    "OMNICRM_QUIET_FROM_HOUR": "0",
    "OMNICRM_QUIET_UNTIL_HOUR": "0",
    "OMNICRM_SMTP_SENDER": "shop@example.com",
}


@pytest.mark.slow
def test_killed_worker_restarts_and_every_message_arrives_once(engine: Engine) -> None:
    ids = add_customers(engine, N)
    with engine.begin() as conn:
        assert enqueue(conn, [message(c, campaign="BIG") for c in ids]) == N
    controller, inbox = start_smtp()
    url = engine.url.render_as_string(hide_password=False)
    command = [
        sys.executable,
        "-m",
        "omnicrm",
        "campaigns",
        "worker",
        "--db",
        url,
        "--smtp-host",
        controller.hostname,
        "--smtp-port",
        str(controller.port),
        "--until-idle",
        "--lease-seconds",
        "2",
        "--poll-seconds",
        "0.2",
        "--batch",
        "100",
    ]
    env = {**os.environ, **GATE_OFF}
    try:
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while sum(inbox.received.values()) < N // 3 and first.poll() is None:
            assert time.monotonic() < deadline, "the worker sends too slowly"
            time.sleep(0.05)
        assert first.poll() is None, first.stderr.read().decode()[-2000:]
        first.send_signal(signal.SIGKILL)
        first.wait()
        at_kill = sum(inbox.received.values())
        assert at_kill < N
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert second.returncode == 0, second.stderr[-2000:]
    finally:
        controller.stop()
    expected = {message_id(f"BIG:{c}:email:1", "example.com") for c in ids}
    assert set(inbox.received) == expected
    # at most the uncommitted group at the kill, the message in flight included
    assert sum(inbox.received.values()) - N <= SendingSettings().commit_every
    t = CampaignMessage.__table__.c
    with engine.connect() as conn:
        by_status = dict(conn.execute(select(t.status, func.count()).group_by(t.status)).all())
    assert by_status == {"sent": N}
