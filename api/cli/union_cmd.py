"""`union-ledger union add | show`: establish a union under its approving parent (R9) and show
one union with its chain of ancestors. (`union history | changes` live in api.cli.audit_history.)
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.audit_history import CodeArg, union_app
from api.cli.common import DatabaseUrl, DataDir, console
from api.cli.member import EffectiveOn, union_label
from api.cli.session import Actor, actor_or_default, ledger_session
from api.union_establish import establish_and_open_transfers, projected_index
from api.wiring import build_read_side
from domain.enums import LEVEL_ZH, UNION_KIND_ZH, UnionKind, UnionLevel


def _choices(enum: type) -> str:
    return ", ".join(m.value for m in enum)


@union_app.command("add")
def add(
    code: Annotated[str, typer.Option("--code", help="统一社会信用代码（以 8 开头）")],
    name: Annotated[str, typer.Option("--name", help="工会名称")],
    kind: Annotated[str, typer.Option("--kind", help=f"类型：{_choices(UnionKind)}")],
    level: Annotated[str, typer.Option("--level", help=f"层级：{_choices(UnionLevel)}")],
    region: Annotated[str, typer.Option("--region", help="区划代码（6/9/12 位）")],
    parent: Annotated[str | None, typer.Option("--parent", help="上级工会代码")] = None,
    approved_by: Annotated[str | None, typer.Option(
        "--approved-by", help="批准建会的工会（默认即上级工会）")] = None,
    employer: Annotated[str | None, typer.Option(
        "--employer", help="企业工会所属用人单位代码")] = None,
    effective_on: EffectiveOn = None,
    actor: Actor = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """建立工会: recorded only when approved by the parent union (R9)."""
    with ledger_session(data_dir, database_url) as rt:
        index = None
        if employer:  # the employer's members due to the new union are found in the directory
            store, runner = build_read_side(rt, start_runner=False)
            runner.catch_up()
            index = projected_index(store)
        _, released = establish_and_open_transfers(
            rt.ledger, index, code=code, name=name, kind=kind, level=level, region_code=region,
            parent_code=parent, approved_by=approved_by or parent,
            recorded_by=actor_or_default(actor), employer_code=employer,
            effective_on=effective_on,
        )
        console.print(f"[green]已建立[/green] {escape(union_label(rt.ledger, code))}",
                      highlight=False)
        if released:
            console.print(f"已发起 {len(released)} 名会员的会籍接转（第（四）条），"
                          "待新工会在接转收件箱中接收", highlight=False)


@union_app.command("show")
def show(code: CodeArg, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """工会: kind, level, region, employer, status and the chain of ancestors up to the ACFTU."""
    with ledger_session(data_dir, database_url) as rt:
        u = rt.ledger.get_union(code, field="code")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        chain = "\n".join(f"{a.name}（{a.code}）" for a in rt.ledger.ancestors(u.code))
        rows = [
            ("名称", u.name), ("统一社会信用代码", u.code),
            ("类型", UNION_KIND_ZH.get(UnionKind(u.kind), u.kind)),
            ("层级", LEVEL_ZH.get(UnionLevel(u.level), u.level)), ("区划代码", u.region_code),
            ("上级工会", union_label(rt.ledger, u.parent_code)),
            ("所属用人单位", u.employer_code or "—"), ("批准建会", u.approved_by or "—"),
            ("建会日期", u.established_on.isoformat()),
            ("状态", "已撤销" if u.dissolved else "正常"), ("上级链（由近及远）", chain or "—"),
        ]
        for k, v in rows:
            grid.add_row(k, escape(v))
        console.print(grid)
