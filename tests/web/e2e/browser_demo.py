"""What the browser tests share with their fixtures: the running demo and where screenshots go.

A module of its own (not ``conftest``) so that test files can import it by a unique name."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

SCREENSHOTS = Path(__file__).parents[3] / "test-output" / "screenshots"


@dataclass(frozen=True)
class Demo:
    base_url: str
    engine: Engine
    member_phone: str
    member_id: int
    review_id: int
    inbox: Any
    """The in-process SMTP server's record (``campaigns.sending_fakes.Inbox``): what a test send
    from the workstation delivered."""
