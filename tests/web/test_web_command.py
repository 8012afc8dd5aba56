"""Staff users from the command line, and the demo's users."""

from typer.testing import CliRunner

from omnicrm.core.clock import utcnow
from omnicrm.store.db import unit_of_work
from omnicrm.web.command import app
from omnicrm.web.demo import DEMO_LOGINS, ensure_demo_users
from omnicrm.web.staff import sign_in


def test_create_user_reads_the_password_from_stdin(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    db = ["--db", str(sqlite_engine.url)]
    ok = CliRunner().invoke(
        app, ["create-user", "anna", "--role", "marketer", "--password-stdin", *db],
        input="long-enough-pass\n",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    weak = CliRunner().invoke(
        app, ["create-user", "boris", "--role", "analyst", "--password-stdin", *db], input="123\n"
    )
    assert weak.exit_code == 1
    assert "password" in weak.output
    with unit_of_work(sqlite_engine) as s:
        assert sign_in(s, "anna", "long-enough-pass", utcnow()).role == "marketer"
        assert sign_in(s, "boris", "123", utcnow()) is None


def test_demo_users_are_created_once_with_the_printed_passwords(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    assert ensure_demo_users(sqlite_engine) == list(DEMO_LOGINS)
    assert ensure_demo_users(sqlite_engine) == list(DEMO_LOGINS)
    with unit_of_work(sqlite_engine) as s:
        for login in DEMO_LOGINS:
            assert sign_in(s, login.username, login.password, utcnow()).role == login.role
