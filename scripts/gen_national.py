"""Generate a national-scale ledger: 31 provinces down to villages, platform enterprises, N workers.

Usage: .venv/bin/python scripts/gen_national.py [--members 1000000] [--seed 2021]
         (--database-url postgresql://postgres@127.0.0.1:5432/ul_bench | --data-dir DIR)
         [--project]   # also catch the projections up, timed
PostgreSQL needs UNION_LEDGER_SECRET_KEY/_MASTER_KEY/_TOKEN_SECRET (or --bench-keys for the
fixed benchmark keys). Prints the figure line `generated: N members ... members/s`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.national import generate_national  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.wiring import build_runtime  # noqa: E402

BENCH_KEYS = {"secret_key": "a1" * 32, "master_key": "b2" * 32, "token_secret": "c3" * 32}
STAGES = {"tree": "工会组织树 / union tree", "joins": "入会 / joins (join_many)",
          "life": "会籍变动 / life cycle", "project": "读模型 / projections"}


def settings_from(args: argparse.Namespace) -> Settings:
    keys = BENCH_KEYS if args.bench_keys else {}
    return Settings(data_dir=args.data_dir, database_url=args.database_url, **keys)


def bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<30}"), BarColumn(), TaskProgressColumn(),
                    MofNCompleteColumn(), TextColumn("{task.fields[rate]:>12}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2021)
    ap.add_argument("--batch", type=int, default=1000, help="joins per join_many call")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--data-dir", type=Path, default=Path("data-national"))
    ap.add_argument("--bench-keys", action="store_true", help="fixed keys (benchmarks only)")
    ap.add_argument("--project", action="store_true", help="catch the projections up, timed")
    args = ap.parse_args()
    console = Console()
    settings = settings_from(args)
    runtime = build_runtime(settings)
    try:
        with bar(console) as progress:
            tasks: dict[str, object] = {}
            started: dict[str, float] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(STAGES[stage], total=total, rate="")
                    started[stage] = time.perf_counter()
                took = time.perf_counter() - started[stage]
                rate = f"{done / took:,.0f}/s" if took > 0.5 else ""
                progress.update(tasks[stage], completed=done, total=total, rate=rate)  # type: ignore[arg-type]

            t0 = time.perf_counter()
            summary = generate_national(runtime.ledger, members=args.members, seed=args.seed,
                                        batch=args.batch, progress=report)
            written = time.perf_counter() - t0
            events = runtime.ledger.recorder.max_notification_id() or 0
            project_s = None
            if args.project:
                from api.wiring import build_read_side

                _, runner = build_read_side(runtime, start_runner=False)
                t1 = time.perf_counter()
                runner.catch_up(progress=lambda pos, top: report("project", pos, top))
                project_s = time.perf_counter() - t1
        table = Table(title="national data / 全国数据")
        for col in ("section", "kind", "count"):
            table.add_column(col, justify="right" if col == "count" else "left")
        for section, kind, n in summary.rows():
            table.add_row(section, kind, f"{n:,}")
        console.print(table)
        for stage, s in summary.seconds.items():
            console.print(f"{stage:<8} {s:8.1f} s")
        console.print(f"root union {summary.root}; 200-event member {summary.long_history}")
        print(f"generated: {args.members:,} members, {events:,} events in {written:.1f} s"
              f" = {args.members / summary.seconds['joins']:,.0f} members/s in the join stage")
        if project_s is not None:
            print(f"projections: {events:,} events in {project_s:.1f} s ="
                  f" {events / project_s:,.0f} events/s; joins + projections"
                  f" {args.members / (summary.seconds['joins'] + project_s):,.0f} members/s")
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
