"""`union-ledger union history | changes` and `union-ledger audit-report`: the auditor's toolkit
from the shell (history and roster changes from domain.history, reports from api.audit_report).
"""

from __future__ import annotations

from datetime import UTC, date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.audit_report import Viewer, membership_report, render_html, union_report
from api.audit_report_xlsx import report_xlsx
from api.audit_roster import union_roster_changes
from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console
from api.cli.session import Actor, actor_or_default, ledger_session
from domain.errors import ValidationError
from domain.history import union_history

union_app = typer.Typer(help="工会：履历、会籍变动", no_args_is_help=True)
app.add_typer(union_app, name="union")

CodeArg = Annotated[str, typer.Argument(metavar="CODE", help="工会统一社会信用代码")]
FromOpt = Annotated[str | None, typer.Option("--from", help="起始生效日期 YYYY-MM-DD")]
ToOpt = Annotated[str | None, typer.Option("--to", help="截止生效日期 YYYY-MM-DD（含）")]


def _date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{field}：日期格式错误，应为 YYYY-MM-DD",
                              message_en=f"{field}: expected YYYY-MM-DD", code="date.format",
                              field=field) from None


@union_app.command("history")
def history(code: CodeArg, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """工会履历: establishment, renames, reparenting and dissolution, with actor and reason."""
    with ledger_session(data_dir, database_url) as rt:
        union = rt.ledger.get_union(code, field="code")
        table = Table(title=f"工会履历 {union.name}（{union.code}）")
        for col in ("#", "事件", "生效日期", "记录时间(UTC)", "经办人", "原因", "结果"):
            table.add_column(col, overflow="fold")
        for e in union_history(rt.ledger.events.get(union.id)):
            s = e.state
            result = f"{s['name']} · 上级 {s['parent_code'] or '—'}" + (
                "（已撤销）" if s["dissolved"] else "")
            table.add_row(str(e.version), e.label_zh, str(e.effective_on or ""),
                          e.recorded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                          escape(e.recorded_by or ""), escape(e.reason or ""), escape(result))
        console.print(table)


@union_app.command("changes")
def changes(code: CodeArg, start: FromOpt = None, end: ToOpt = None, data_dir: DataDir = None,
            database_url: DatabaseUrl = None) -> None:
    """会籍变动: joins, transfers, retentions, withdrawals and expulsions between two dates."""
    with ledger_session(data_dir, database_url) as rt:
        union = rt.ledger.get_union(code, field="code")
        found, _ = union_roster_changes(rt.ledger, union.code, _date(start, "from"),
                                        _date(end, "to"))
        table = Table(title=f"会籍变动 {union.name}（{start or '不限'} 至 {end or '不限'}）")
        for col in ("生效日期", "变动", "会员编号", "对方工会", "经办人", "原因"):
            table.add_column(col, overflow="fold")
        for c in found:
            table.add_row(c.effective_on.isoformat(), c.label_zh, c.member_id,
                          c.other_union or "", escape(c.recorded_by), escape(c.reason or ""))
        console.print(table)
        console.print(f"共 {len(found)} 条")


@app.command("audit-report")
def audit_report(
    out: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx 或 .html")],
    member: Annotated[str | None, typer.Option("--member", help="会员编号")] = None,
    union: Annotated[str | None, typer.Option("--union", help="工会代码")] = None,
    start: FromOpt = None,
    end: ToOpt = None,
    digest: Annotated[Path | None, typer.Option("--digest", help="seal 写出的签名摘要")] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="不遮蔽个人信息（记入查阅日志）")]
    = False,
    purpose: Annotated[str | None, typer.Option("--purpose", help="查阅目的（记入日志）")] = None,
    actor: Actor = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """审计报告: a membership's or a union's events, access log and hash-chain position."""
    with ledger_session(data_dir, database_url) as rt:
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "html"):
            raise ValidationError("--out 须以 .xlsx 或 .html 结尾",
                                  message_en="--out must end in .xlsx or .html",
                                  code="report.format", field="out")
        if (member is None) == (union is None):
            raise ValidationError("请给出 --member 或 --union 之一",
                                  message_en="give exactly one of --member or --union",
                                  code="report.subject", field="member")
        if digest is not None and not digest.exists():
            raise ValidationError(f"摘要文件不存在：{digest}", code="digest.missing",
                                  field="digest")
        viewer = Viewer(subject=actor_or_default(actor), role="cli", personal_data=reveal,
                        purpose=purpose, endpoint="cli audit-report")
        if member is not None:
            report = membership_report(rt, member, viewer, digest_path=digest)
        else:
            report = union_report(rt, union or "", viewer, _date(start, "from"),
                                  _date(end, "to"), digest_path=digest)
        if fmt == "html":
            out.write_text(render_html(report), encoding="utf-8")
        else:
            out.write_bytes(report_xlsx(report))
        ch = report.chain
        console.print(f"[green]已生成[/green] {escape(str(out))}：{len(report.events)} 条事件，"
                      f"{len(report.access_log)} 条查阅记录；覆盖至通知号 "
                      f"{ch.covered_notification_id}，链哈希 {ch.chain_hash}", highlight=False,
                      soft_wrap=True)
