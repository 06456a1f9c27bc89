"""`union-ledger project`: run the projections (--follow), rebuild them (--rebuild [NAME…]),
compare them with a fresh rebuild (--check: exit 1 on any difference) or show the lag (--status).
"""

from __future__ import annotations

import signal
import threading
import time
from functools import partial
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console, err_console, load_settings
from api.settings import Settings
from api.wiring import build_runtime
from projections import open_read_side
from projections.follow import follow as follow_log
from projections.views import VIEW_NAMES


def _status(store: Any) -> None:
    lag = store.lag()
    table = Table(title="读模型同步状态 / projection lag")
    table.add_column("view")
    table.add_column("position", justify="right")
    for name, pos in lag["views"].items():
        table.add_row(name, f"{pos:,}")
    console.print(table)
    console.print(f"ledger position {lag['max_position']:,} · behind {lag['events_behind']:,}"
                  f" events, {lag['seconds_behind']:.1f} s · last event {lag['last_event_at']}")


def _rebuild(runner: Any, names: list[str] | None, workers: int, settings: Settings) -> None:
    columns = (TextColumn("[bold]重建 / rebuild"), BarColumn(), TaskProgressColumn(),
               TextColumn("position {task.completed:,.0f}/{task.total:,.0f}"),
               TimeElapsedColumn())
    start = time.perf_counter()
    with Progress(*columns, console=console) as bar:
        top = runner.ledger.recorder.max_notification_id() or 0
        task = bar.add_task("rebuild", total=top)

        def progress(position: int, top: int) -> None:
            bar.update(task, completed=position, total=top)

        done = runner.rebuild(names, progress=progress, workers=workers,
                              worker_runtime=partial(build_runtime, settings,
                                                     create_table=False))
    took = max(time.perf_counter() - start, 1e-9)
    console.print(f"[green]已重建[/green] {', '.join(names or VIEW_NAMES)}: {done:,} events"
                  f" in {took:.2f} s = {done / took:,.0f} events/s ({workers} process(es))")


#: a view at position 0 on a log at least this long is projected in bulk before following
BULK_FROM = 20_000


def _bulk_start(runner: Any, settings: Settings) -> None:
    """Views at position 0 (new, or dropped on start because an upgrade changed what their
    tables mean) on a long log take the rebuild's bulk path first, not event by event."""
    top = runner.ledger.recorder.max_notification_id() or 0
    fresh = [name for name, position in runner.positions().items() if position == 0]
    if fresh and top >= BULK_FROM:
        console.print(f"{', '.join(fresh)}: 从头投影，先批量重建 / at position 0: bulk first")
        _rebuild(runner, fresh, 1, settings)


def _follow(runner: Any) -> None:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    console.print("跟随台账中（Ctrl-C 退出）/ following the ledger …")
    follow_log(runner, stop)
    console.print(f"stopped: {runner.errors} failed batches, {runner.reconnects} reconnects")


@app.command()
def project(
    names: Annotated[list[str] | None, typer.Argument(
        help=f"views for --rebuild (default all): {', '.join(VIEW_NAMES)}")] = None,
    follow: Annotated[bool, typer.Option("--follow", help="keep projecting new events")]
    = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="drop and re-project from 0")]
    = False,
    check: Annotated[bool, typer.Option("--check", help="diff live views with a rebuild")]
    = False,
    status: Annotated[bool, typer.Option("--status", help="print the lag")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=100_000)] = 5000,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=32, help="--rebuild: processes to split the members over")] = 1,
    throttle: Annotated[float, typer.Option(
        "--throttle", min=0, help="seconds to pause between batches")] = 0.0,
    poll: Annotated[float, typer.Option("--poll", min=0.01, help="seconds between polls")]
    = 1.0,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Project the ledger's events into the read models (catch up once without an option)."""
    if sum((follow, rebuild, check, status)) > 1:
        err_console.print("[red]--follow, --rebuild, --check, --status: choose one[/red]")
        raise typer.Exit(2)
    if names and not rebuild:
        err_console.print("[red]view names go with --rebuild[/red]")
        raise typer.Exit(2)
    unknown = [n for n in names or [] if n not in VIEW_NAMES]
    if unknown:
        err_console.print(f"[red]unknown view(s): {', '.join(unknown)}[/red]"
                          f" (known: {', '.join(VIEW_NAMES)})")
        raise typer.Exit(2)
    settings = load_settings(data_dir, database_url)
    # workers never run the event store's DDL (`union-ledger init` does, once)
    runtime = build_runtime(settings, create_table=not settings.is_postgres)
    try:
        store, runner = open_read_side(runtime, start_runner=False, batch_size=batch_size,
                                       poll_interval=poll)
        runner.throttle = throttle
        if status:
            _status(store)
        elif rebuild:
            _rebuild(runner, names, workers, settings)
        elif check:
            with console.status("校验中：重建到临时空间并比对 / rebuilding into scratch …"):
                diffs = runner.check()
            for d in diffs:
                console.print(f"[red]✗[/red] {d}", soft_wrap=True)
            if diffs:
                raise typer.Exit(1)
            console.print("[green]✓ 读模型与重建结果一致 / live views equal a rebuild[/green]")
        elif follow:
            _bulk_start(runner, settings)
            _follow(runner)
        else:
            _bulk_start(runner, settings)
            n = runner.catch_up()
            console.print(f"caught up: {n:,} events, position {store.position():,}")
    finally:
        runtime.close()
