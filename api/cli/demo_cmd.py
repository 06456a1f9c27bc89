"""`union-ledger demo`: load the synthetic demo ledger (two provinces, ~10,000 workers) with a
progress bar, then print what was loaded. Refused on a ledger that already holds events.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console
from api.cli.session import ledger_session
from api.demo import DemoSummary, load_demo

SECTION_ZH = {"ledger": "台账", "unions": "工会（按类型）", "employers": "用人单位（按类型）",
              "worker_groups": "职工群体", "relations": "用工关系", "channels": "入会渠道",
              "events": "会籍事件", "transfers": "会籍接转"}


def summary_table(summary: DemoSummary) -> Table:
    table = Table(title="演示数据 / demo ledger")
    table.add_column("类别")
    table.add_column("项目")
    table.add_column("数量", justify="right")
    for section, kind, count in summary.rows():
        table.add_row(SECTION_ZH.get(section, section), kind, str(count))
    return table


@app.command()
def demo(
    members: Annotated[int, typer.Option("--members", min=1, max=1_000_000,
                                         help="会员人数")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（同一种子数据相同）")] = 2021,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Load a realistic synthetic ledger through the ledger's own commands (empty ledger only)."""
    with ledger_session(data_dir, database_url) as rt:
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("载入演示数据 / loading", total=None)
            summary = load_demo(
                rt.ledger, members=members, seed=seed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        console.print(summary_table(summary))
        where = rt.settings.database_url or str(rt.settings.sqlite_path)
        console.print(f"[green]已载入[/green] {summary.members} 名会员 → {where}", highlight=False)
