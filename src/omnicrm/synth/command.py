"""``omnicrm synth``: the command-line face of :func:`omnicrm.synth.generate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from omnicrm.synth.config import FORMATS
from omnicrm.synth.pipeline import generate


def synth(
    out: Annotated[Path, typer.Argument(help="Directory to write the channel files into.")],
    customers: Annotated[int, typer.Option(min=1, help="Number of synthetic persons.")] = 3000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed and scale give the same bytes.")
    ] = 42,
    fmt: Annotated[
        str,
        typer.Option(
            "--fmt", help="'native' (CSV/JSON Lines as in docs/CHANNELS.md) or 'parquet'."
        ),
    ] = "native",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: up to 2).")
    ] = None,
    hard_identity: Annotated[
        bool,
        typer.Option(
            "--hard-identity",
            help="Write only a registry of the hard identity cases (Latin-alphabet people with "
            "no shared phone, e-mail or card: typos, swaps, broken dates, moves, families) "
            "and its ground truth; --customers is the number of people.",
        ),
    ] = False,
) -> None:
    """Generate a synthetic omnichannel retail data set with ground truth (identity, buying model).

    Writes stores, products, loyalty members, POS receipts, web/app/call-centre/marketplace orders,
    delivery statuses, returns, web/app events, calls, messages, Wi-Fi and camera sightings,
    surveys, ground_truth.csv, ground_truth_people.csv and manifest.json.
    """
    if fmt not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--fmt")
    console = Console(stderr=True)
    if hard_identity:
        from omnicrm.synth.hard import write_registry

        records = write_registry(out, customers, seed)
        console.print(f"{customers:,} persons, {records:,} registry records written to {out}")
        return
    columns = (TextColumn("[bold]synth"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("persons", total=customers)
        manifest = generate(
            out,
            customers,
            seed=seed,
            fmt=fmt,
            workers=workers,
            progress=lambda n: bar.advance(task, n),
        )
    console.print(
        f"{manifest['customers']:,} persons, {manifest['order_lines']:,} order lines, "
        f"{len(manifest['files'])} files written to {out}"
    )
