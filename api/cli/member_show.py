"""`union-ledger member show | history`: one member's current state (masked unless --reveal)
and the full event history with actor, reason, effective date and recorded time.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import DatabaseUrl, DataDir, console
from api.cli.member import MemberArg, member_app, resolve_member, union_label
from api.cli.session import Actor, actor_or_default, ledger_session
from api.http.access_log import AccessLog
from api.http.db import ApiDatabase
from api.wiring import Runtime
from domain.enums import (
    CHANNEL_ZH,
    RELATION_ZH,
    STATUS_ZH,
    WORKER_GROUP_ZH,
    Channel,
    EmploymentRelation,
    Status,
    WorkerGroup,
)
from domain.errors import ValidationError
from domain.history import membership_history
from domain.membership import Membership
from domain.personal import ERASED
from domain.values import mask_mobile, mask_name, mask_resident_id

REVEAL_ENDPOINT = "cli: member show --reveal"

COLUMNS = ("#", "事件", "生效日期", "记录时间(UTC)", "经办人", "原因", "结果（工会/状态）")


def _zh(table: dict[Any, str], enum: type, value: str | None) -> str:
    try:
        return table[enum(value)]
    except (ValueError, KeyError):
        return value or "—"


def record_access(rt: Runtime, m: Membership, actor: str, purpose: str | None) -> None:
    """Appends the unmasked read to the API's access log (auditors see it at
    GET /audit/access-log): who, whose, when, why — never the personal data itself."""
    db = ApiDatabase(rt)
    try:
        AccessLog(db).record(subject=actor, role="cli", member_id=str(m.id),
                             union_code=m.union_id, endpoint=REVEAL_ENDPOINT, purpose=purpose)
    finally:
        db.close()


@member_app.command("show")
def show(
    member: Annotated[str | None, typer.Argument(metavar="[MEMBER]", help="会员编号")] = None,
    resident_id: Annotated[str | None, typer.Option("--resident-id", help="按公民身份号码查找")]
    = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="显示完整个人信息（记入查阅日志）")]
    = False,
    purpose: Annotated[str | None, typer.Option("--purpose", help="查阅目的（记入日志）")] = None,
    actor: Actor = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """会籍: the member's current union and status; personal fields masked unless --reveal."""
    with ledger_session(data_dir, database_url) as rt:
        if not (member or resident_id):
            raise ValidationError("请给出会员编号或 --resident-id", code="member.required",
                                  field="member")
        m = resolve_member(rt.ledger, resident_id or member or "")
        details = rt.ledger.personal_details(m)
        if reveal and details is not None:  # logged before anything is shown
            record_access(rt, m, actor_or_default(actor), purpose)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        if details is None:
            name = rid = phone = ERASED
        elif reveal:
            name, rid, phone = details.name, details.resident_id, details.phone or "—"
        else:
            name, rid = mask_name(details.name), mask_resident_id(details.resident_id)
            phone = mask_mobile(details.phone) if details.phone else "—"
        emp = m.employment
        rows = [
            ("会员编号", str(m.id)), ("姓名", name), ("公民身份号码", rid), ("手机", phone),
            ("状态", _zh(STATUS_ZH, Status, m.status)),
            ("所在工会", union_label(rt.ledger, m.union_id)),
            ("接转目的地", union_label(rt.ledger, m.destination_union_id)),
            ("委托代管", union_label(rt.ledger, m.delegated_to)),
            ("职工群体", _zh(WORKER_GROUP_ZH, WorkerGroup, m.worker_group)),
            ("入会渠道", _zh(CHANNEL_ZH, Channel, m.channel)),
            ("用工关系", _zh(RELATION_ZH, EmploymentRelation, emp.get("relation"))),
            ("用人单位", emp.get("employer_code") or "—"),
            ("用工单位", emp.get("using_unit_code") or "—"),
            ("入会日期", m.joined_on.isoformat()), ("当前状态起始", m.since.isoformat()),
            ("版本", str(m.version)),
        ]
        for k, v in rows:
            grid.add_row(k, escape(v))
        console.print(grid)
        if reveal and details is not None:
            console.print("[yellow]已显示完整个人信息，本次查阅已记入查阅日志[/yellow]")


@member_app.command("history")
def history(
    member: MemberArg,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """会籍履历: every event, with effective date, recorded time, actor, reason and result."""
    with ledger_session(data_dir, database_url) as rt:
        m = resolve_member(rt.ledger, member)
        table = Table(title=f"会籍履历 {m.id}", show_lines=False)
        for col in COLUMNS:
            table.add_column(col, overflow="fold")
        names: dict[str, str] = {}
        for i, e in enumerate(membership_history(rt.ledger.history(m.id)), start=1):
            union = e.union_code or ""
            if union not in names:
                names[union] = union_label(rt.ledger, union)
            result = f"{names[union]} · {e.state['status_zh']}"
            if e.state["destination_union_code"]:
                result += f" → {e.state['destination_union_code']}"
            if e.details.get("personal", {}).get("erased"):
                result += f"；个人信息{ERASED}"
            table.add_row(
                str(i), e.label_zh, str(e.effective_on or ""),
                e.recorded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                escape(e.recorded_by or ""), escape(e.reason or ""), escape(result),
            )
        console.print(table)
