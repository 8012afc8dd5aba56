"""What the browser tests share with their fixtures: the running demo and where screenshots go.

A module of its own (not ``conftest``) so that test files can import it by a unique name."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

SCREENSHOTS = Path(__file__).parents[3] / "test-output" / "screenshots"


@dataclass(frozen=True)
class Demo:
    base_url: str
    engine: Engine
    member_phone: str
    member_id: int
    review_id: int
