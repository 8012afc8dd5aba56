"""Shared state of a run: reference data made once per seed, and the per-chunk working set."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import numpy as np
import pyarrow as pa

from omnicrm.synth.behaviour import Orders
from omnicrm.synth.catalog import Catalog, build_catalog
from omnicrm.synth.config import SynthConfig
from omnicrm.synth.geography import Network, build_network
from omnicrm.synth.population import People
from omnicrm.synth.rhythm import Calendar, build_calendar
from omnicrm.synth.schema import FileSpec


@dataclass(frozen=True)
class World:
    """Reference data: the same for every chunk of a run."""

    cfg: SynthConfig
    net: Network
    cat: Catalog
    cal: Calendar

    @property
    def start_s(self) -> int:
        """First midnight of the period as epoch seconds on a UTC wall clock."""
        return int(datetime.combine(self.cfg.start, time(), UTC).timestamp())

    @property
    def end_s(self) -> int:
        """Export moment: the end of the last day (things later than this have not happened yet)."""
        return self.start_s + self.cfg.n_days * 86400 - 3 * 3600


def build_world(cfg: SynthConfig) -> World:
    ref = np.random.SeedSequence(cfg.seed).spawn(2)[0]
    net_ss, cat_ss = ref.spawn(2)
    return World(
        cfg=cfg,
        net=build_network(np.random.default_rng(net_ss)),
        cat=build_catalog(np.random.default_rng(cat_ss), cfg.n_skus),
        cal=build_calendar(cfg.start, cfg.n_days),
    )


def chunk_seed(cfg: SynthConfig, chunk: int) -> np.random.SeedSequence:
    """The chunk's own seed: child ``chunk`` of the seed's chunk branch (independent of scale)."""
    branch = np.random.SeedSequence(cfg.seed).spawn(2)[1]
    return np.random.SeedSequence(branch.entropy, spawn_key=(*branch.spawn_key, chunk))


@dataclass
class Part:
    """One file's rows made by one chunk, and the ground truth of its records."""

    spec: FileSpec
    table: pa.Table
    records: int
    truth_key: pa.Array
    truth_person: pa.Array


@dataclass
class Chunk:
    world: World
    index: int
    people: People
    orders: Orders
    rng: np.random.Generator
    extras: dict[str, object] = field(default_factory=dict)  # hand-offs between channel writers
