"""Run a whole generation: reference files, then chunks of persons (optionally in 2 processes),
streamed to the output files in chunk order, then the manifest.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.chunk import make_chunk, make_persons
from omnicrm.synth.config import SynthConfig
from omnicrm.synth.reference import reference_tables
from omnicrm.synth.schema import GROUND_TRUTH, PEOPLE_TRUTH, PER_CHUNK, REFERENCE, STOCK, TRUTH
from omnicrm.synth.stock import monthly_sales, stock_table
from omnicrm.synth.truth import people_truth
from omnicrm.synth.world import World, build_world
from omnicrm.synth.writers import Encoded, Sink, encode

GENERATOR_VERSION = 1
# Files whose lines are order lines (POS returns count too: they are lines of return receipts).
ORDER_LINE_FILES = (
    "pos_receipts",
    "web_orders",
    "app_orders",
    "call_centre_orders",
    "marketplace_orders",
)
_world: World | None = None


def generate(
    out_dir: Path,
    customers: int,
    seed: int = 42,
    fmt: str = "native",
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
) -> dict:
    """Write a synthetic omnichannel data set to ``out_dir`` and return its manifest.

    ``progress`` is called with the number of persons finished after each chunk (an increment).
    ``workers`` defaults to up to 2 processes; the output is the same whatever the number.
    ``chunk_size`` (persons per chunk) is part of the data's identity; leave it at the default
    unless you are testing the chunking itself.
    """
    cfg = SynthConfig(customers=customers, seed=seed, fmt=fmt)
    if chunk_size is not None:
        cfg = replace(cfg, chunk_size=chunk_size)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(cfg)
    files: dict[str, dict[str, object]] = {}
    for spec, table in zip(REFERENCE, reference_tables(world), strict=True):
        sink = Sink(out, spec, fmt)
        sink.append(encode(spec, table, table.num_rows, fmt))
        sink.close()
        files[sink.path.name] = _file_entry(sink)

    sinks = {spec.stem: Sink(out, spec, fmt) for spec in PER_CHUNK}
    truths = {spec.stem: Sink(out, spec, "native") for spec in TRUTH}
    sales: list[pa.Table] = []
    try:
        for index, (encoded, chunk_sales) in _chunks(world, workers):
            sales.append(chunk_sales)
            for part in encoded:
                (truths.get(part.stem) or sinks[part.stem]).append(part)
            if progress is not None:
                lo, hi = cfg.chunk_bounds(index)
                progress(hi - lo)
    finally:
        for sink in (*sinks.values(), *truths.values()):
            sink.close()
    stock = stock_table(world, sales)
    sinks[STOCK.stem] = Sink(out, STOCK, fmt)
    sinks[STOCK.stem].append(encode(STOCK, stock, stock.num_rows, fmt))
    sinks[STOCK.stem].close()
    truth, people_truth = truths[GROUND_TRUTH.stem], truths[PEOPLE_TRUTH.stem]
    order_lines = sum(sinks[stem].lines for stem in ORDER_LINE_FILES)
    for sink in sinks.values():
        files[sink.path.name] = _file_entry(sink)
    manifest = {
        "generator": "omnicrm.synth",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "customers": customers,
        "format": fmt,
        "period": {"start": cfg.start.isoformat(), "end": cfg.end.isoformat()},
        "chunk_size": cfg.chunk_size,
        "order_lines": order_lines,
        "files": files,
        "ground_truth": {"file": truth.path.name, "rows": truth.rows},
        "people_truth": {"file": people_truth.path.name, "rows": people_truth.rows},
    }
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return manifest


def _file_entry(sink: Sink) -> dict[str, object]:
    return {"source": sink.spec.source, "records": sink.records, "rows": sink.rows}


def _encode_chunk(world: World, index: int) -> tuple[list[Encoded], pa.Table]:
    """The chunk's encoded files, and its store sales by month (for the stock file)."""
    encoded = []
    keys: list[pa.Array] = []
    persons: list[pa.Array] = []
    sources: list[pa.Array] = []
    chunk = make_persons(world, index)
    for part in make_chunk(chunk):
        enc = encode(part.spec, part.table, part.records, world.cfg.fmt)
        if "items" in part.table.column_names:
            enc.lines = int(pc.sum(pc.list_value_length(part.table.column("items"))).as_py() or 0)
        elif part.spec.stem in ORDER_LINE_FILES:
            enc.lines = part.table.num_rows
        encoded.append(enc)
        keys.append(part.truth_key)
        persons.append(part.truth_person)
        sources.append(pa.array([part.spec.source] * len(part.truth_key), pa.string()))
    truth = pa.table(
        {
            "source": pa.concat_arrays(sources),
            "source_key": pa.concat_arrays(keys),
            "person_id": pa.concat_arrays(persons),
        }
    )
    encoded.append(encode(GROUND_TRUTH, truth, truth.num_rows, "native"))
    people = people_truth(chunk)
    encoded.append(encode(PEOPLE_TRUTH, people, people.num_rows, "native"))
    return encoded, monthly_sales(chunk)


def _init_worker(world: World) -> None:
    global _world
    _world = world


def _run_chunk(index: int) -> tuple[list[Encoded], pa.Table]:
    assert _world is not None
    return _encode_chunk(_world, index)


def _chunks(
    world: World, workers: int | None
) -> Iterator[tuple[int, tuple[list[Encoded], pa.Table]]]:
    """Encoded chunks in chunk order, computed ahead by a small pool when there is work to share."""
    n = world.cfg.n_chunks
    workers = min(workers or min(2, os.cpu_count() or 1), n)
    if workers <= 1:
        for index in range(n):
            yield index, _encode_chunk(world, index)
        return
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(world,)
    ) as pool:
        pending: deque[tuple[int, Future[tuple[list[Encoded], pa.Table]]]] = deque()
        next_index = 0
        while next_index < n or pending:
            while next_index < n and len(pending) < workers:
                pending.append((next_index, pool.submit(_run_chunk, next_index)))
                next_index += 1
            index, future = pending.popleft()
            yield index, future.result()
