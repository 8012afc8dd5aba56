"""One generated chain (synth -> the bundled loyalty program -> bulk import, which migrates the
registry -> identity resolution -> analytics snapshot) shared by the prediction tests: the models
learn from data made by a known buying model, whose ground truth (``ground_truth_people.csv``) the
tests compare with."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.bulk import import_directory
from omnicrm.loyalty.migration import load_program
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.store.db import make_engine, read_session
from omnicrm.store.schema import Order
from omnicrm.synth import generate

CUSTOMERS = 4000


@dataclass
class Chain:
    files: Path
    engine: Engine
    snapshot: Snapshot

    @property
    def data_end(self) -> datetime:
        end = self.snapshot.data_end()
        assert end is not None
        return end

    def cutoff(self, days_before_end: int) -> datetime:
        return self.data_end - timedelta(days=days_before_end)

    def people(self) -> dict[str, dict[str, str]]:
        with (self.files / "ground_truth_people.csv").open(newline="", encoding="utf-8") as f:
            return {r["person_id"]: r for r in csv.DictReader(f)}

    def customer_of_person(self) -> dict[str, int]:
        """Each person's resolved customer: the one holding most of the person's orders."""
        with (self.files / "ground_truth.csv").open(newline="", encoding="utf-8") as f:
            owner = {(r["source"], r["source_key"]): r["person_id"] for r in csv.DictReader(f)}
        db = self.snapshot.cursor()
        resolved = dict(db.execute("SELECT id, resolved_id FROM customers").fetchall())
        with read_session(self.engine) as s:
            rows = s.execute(select(Order.source, Order.source_key, Order.customer_id)).all()
        votes: dict[str, dict[int, int]] = {}
        for source, key, customer in rows:
            person = owner.get((source, key))
            if person is not None and customer is not None:
                tally = votes.setdefault(person, {})
                c = resolved.get(customer, customer)
                tally[c] = tally.get(c, 0) + 1
        return {p: max(t, key=lambda c: (t[c], -c)) for p, t in votes.items()}


def build_chain(root: Path, template: Path) -> Chain:
    """Generate, load the program, import, resolve and snapshot into ``root``."""
    generate(root / "data", CUSTOMERS, seed=11)
    shutil.copyfile(template, root / "omnicrm.db")
    engine = make_engine(f"sqlite:///{root / 'omnicrm.db'}")
    load_program(engine, read_program_file(EXAMPLES / "retail.json"))
    import_directory(engine, root / "data")
    resolve_all(engine)
    snapshot = Snapshot(root / "analytics.duckdb")
    snapshot.refresh(engine)
    return Chain(root / "data", engine, snapshot)
