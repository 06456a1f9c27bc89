"""`union-ledger import FILE --union CODE --channel CH [--dry-run] [--report OUT.xlsx]` (art. 7).

`union-ledger import --template OUT.xlsx` writes the blank template. Exit 0 when every row
passed (or was already registered), 1 when some rows were refused (see the report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console, err_console
from api.cli.session import Actor, actor_or_default, ledger_session
from api.importer.report import ERROR, ImportReport, report_xlsx
from api.importer.run import run_import
from api.importer.template import template_xlsx

SHOWN_ERRORS = 20


def _summary(report: ImportReport) -> None:
    s = report.summary()
    head = "校验结果（未登记）" if report.dry_run else "导入结果"
    console.print(
        f"[bold]{head}[/bold]：共 {s['rows']} 行；通过 {s['valid']}；"
        f"本次登记 {s['recorded']}；此前已登记 {s['already_registered']}；"
        f"[{'red' if s['errors'] else 'green'}]错误 {s['errors']}[/]"
    )
    errors = report.errors
    if not errors:
        return
    table = Table("行号", "错误代码", "字段", "原因", title=f"错误行（前 {SHOWN_ERRORS} 行）")
    for r in errors[:SHOWN_ERRORS]:
        table.add_row(str(r.row_no), r.code, r.column or r.field, escape(r.message_zh))
    console.print(table)


@app.command("import")
def import_cmd(
    file: Annotated[Path | None, typer.Argument(help="入会登记表（.xlsx 或 .csv）")] = None,
    union: Annotated[str | None, typer.Option("--union", help="登记入会的工会代码")] = None,
    channel: Annotated[str, typer.Option(
        "--channel", help="collective_registration | mobile_window | onsite_meeting | ceremony"
    )] = "collective_registration",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不登记")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="逐行结果写入 .xlsx")] = None,
    template: Annotated[Path | None, typer.Option("--template", help="写出空白模板")] = None,
    recorded_by: Annotated[str | None, typer.Option("--recorded-by", help="经办人")] = None,
    actor: Actor = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Collective registration: validate every row with the ledger's rules, record the valid."""
    if template is not None:
        template.write_bytes(template_xlsx())
        console.print(f"[green]已写出模板[/green] {template}")
        return
    if file is None or not union:
        err_console.print("[red]须指定 FILE 和 --union（或用 --template 写出模板）[/red]")
        raise typer.Exit(2)
    if not file.is_file():
        err_console.print(f"[red]文件不存在[/red] {escape(str(file))}")
        raise typer.Exit(2)
    data = file.read_bytes()
    with ledger_session(data_dir, database_url) as rt, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("登记 {task.fields[recorded]} · 错误 {task.fields[errors]}"),
        TimeRemainingColumn(), console=console, transient=False,
    ) as bar:
        task = bar.add_task("校验" if dry_run else "导入", total=None, recorded=0, errors=0)

        def progress(r: ImportReport, done: int) -> None:
            bar.update(task, total=r.rows, completed=done, recorded=r.recorded,
                       errors=r.count(ERROR))

        result = run_import(
            rt.ledger, data, file.name, union_code=union, channel=channel,
            recorded_by=recorded_by or actor_or_default(actor), dry_run=dry_run,
            progress=progress,
        )
    _summary(result)
    if report is not None:
        report.write_bytes(report_xlsx(result))
        console.print(f"逐行结果已写入 {report}")
    if result.errors:
        raise typer.Exit(1)
