"""``omnicrm import``: a channel file or a whole export folder, with a progress bar and a report."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from omnicrm.ingest.report import ImportReport


def import_data(
    path: Annotated[Path, typer.Argument(help="A channel export file, or a folder of them.")],
    source: Annotated[
        str | None, typer.Option(help="Source of a single file (default: from its name), e.g. pos.")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: OMNICRM_DATABASE_URL).")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="Text encoding of the files, e.g. cp1251 (default: UTF-8, or cp1251 when most"
            " of a file's non-ASCII bytes are not UTF-8)."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Import a channel file or a whole export folder.

    Rejected rows are reported (and kept in import_errors) without stopping the import. The exit
    code is nonzero only when a file cannot be read at all or its header is not its source's.
    """
    from omnicrm.ingest.bulk import UnreadableFile, import_directory, import_file
    from omnicrm.ingest.sources import SOURCES
    from omnicrm.store.db import get_engine
    from omnicrm.store.migrate import upgrade

    console = Console(stderr=True)
    if source is not None and source not in SOURCES:
        console.print(f"[red]unknown source {source!r}[/]; known: {', '.join(SOURCES)}")
        raise typer.Exit(2)
    engine = get_engine(db)
    upgrade(engine)
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, disable=quiet) as bar:
        tasks: dict[str, int] = {}

        def progress(file_name: str, done: int, total: int) -> None:
            if file_name not in tasks:
                tasks[file_name] = bar.add_task(file_name, total=total)
            bar.update(tasks[file_name], completed=done)

        try:
            if path.is_dir():
                report = import_directory(engine, path, progress=progress, encoding=encoding)
            else:
                report = import_file(
                    engine, path, source=source, progress=progress, encoding=encoding
                )
        except UnreadableFile as exc:
            console.print(f"[red]cannot import:[/] {exc}")
            raise typer.Exit(1) from None
    out = Console()
    print_report(out if out.is_terminal else Console(width=120), report)


def print_report(console: Console, report: ImportReport) -> None:
    table = Table(title="Import")
    for name in (
        "source",
        "records",
        "inserted",
        "updated",
        "duplicates",
        "rejected",
        "suppressed",
        "lines",
        "lines/s",
    ):
        table.add_column(name, justify="left" if name == "source" else "right")
    rows = [
        *((name, c) for name, c in report.sources.items() if c.records),
        ("total", report.total),
    ]
    for name, c in rows:
        rate = f"{c.lines / c.seconds:,.0f}" if c.seconds and c.lines else ""
        values = (
            c.records, c.inserted, c.updated, c.duplicates, c.rejected, c.suppressed, c.lines
        )  # fmt: skip
        table.add_row(name, *(f"{v:,}" for v in values), rate)
    console.print(table)
    if report.skipped_batches:
        console.print(
            f"{report.skipped_batches} batch(es) were committed by an earlier run and skipped"
        )
    for title, rows in (("Rejected rows", report.errors), ("Suppressed rows", report.suppressed)):
        if rows:
            listing = Table(title=f"{title} (first {len(rows)})")
            for name in ("source", "file", "row", "field", "message"):
                listing.add_column(name)
            for e in rows:
                listing.add_row(e.source, e.file_name, str(e.row_no), e.field, e.message)
            console.print(listing)
