"""`union-ledger member join | transfer-out | transfer-in`: record membership events from the shell.

`member show` and `member history` live in api.cli.member_show. MEMBER is the member id or the
resident ID.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console
from api.cli.session import Actor, actor_or_default, ledger_session
from domain.application import Ledger
from domain.enums import Channel, EmploymentRelation, WorkerGroup, parse_enum
from domain.errors import NotFoundError
from domain.joining import Situation
from domain.joins import JoinRequest
from domain.membership import Membership
from domain.personal import PersonalDetails
from domain.values import mask_name

member_app = typer.Typer(help="会员：入会、接转、查询、履历", no_args_is_help=True)
app.add_typer(member_app, name="member")

MemberArg = Annotated[str, typer.Argument(metavar="MEMBER", help="会员编号或公民身份号码")]
EffectiveOn = Annotated[
    str | None, typer.Option("--effective-on", help="生效日期 YYYY-MM-DD（默认今天）")
]


def _choices(enum: type) -> str:
    return ", ".join(m.value for m in enum)


def resolve_member(ledger: Ledger, text: str) -> Membership:
    """A member id (UUID) or an 18-character resident ID."""
    text = text.strip()
    if len(text) in (15, 18) and "-" not in text:
        m = ledger.find_membership(text)
        if m is None:
            raise NotFoundError("未找到该公民身份号码的会籍",
                                message_en="no membership for this ID",
                                code="membership.not_found", field="resident_id")
        return m
    return ledger.get_membership(text)


def union_label(ledger: Ledger, code: str | None) -> str:
    if not code:
        return "—"
    try:
        return f"{ledger.get_union(code).name}（{code}）"
    except NotFoundError:
        return code


@member_app.command("join")
def join(
    name: Annotated[str, typer.Option("--name", help="姓名")],
    resident_id: Annotated[str, typer.Option("--resident-id", help="18位公民身份号码")],
    union: Annotated[str, typer.Option("--union", help="所入工会的统一社会信用代码")],
    group: Annotated[str, typer.Option("--group", help=f"职工群体：{_choices(WorkerGroup)}")],
    relation: Annotated[str, typer.Option(
        "--relation", help=f"用工关系：{_choices(EmploymentRelation)}")] = "platform_self_employed",
    channel: Annotated[str, typer.Option(
        "--channel", help=f"入会渠道：{_choices(Channel)}")] = "union_office",
    phone: Annotated[str | None, typer.Option("--phone", help="手机号码")] = None,
    employer: Annotated[str | None, typer.Option(
        "--employer", help="用人单位/平台/派遣单位统一社会信用代码")] = None,
    using_unit: Annotated[str | None, typer.Option(
        "--using-unit", help="用工单位代码（劳务派遣）")] = None,
    work_region: Annotated[str | None, typer.Option("--work-region", help="工作地区划代码")] = None,
    residence_region: Annotated[str | None, typer.Option(
        "--residence-region", help="居住地区划代码")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="入会集中行动编号")] = None,
    effective_on: EffectiveOn = None,
    actor: Actor = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """入会: record a join (the joining-path rules R1-R4 decide whether the union may take it)."""
    with ledger_session(data_dir, database_url) as rt:
        situation = Situation(
            parse_enum(EmploymentRelation, relation, "situation.relation"),
            employer_code=employer, using_unit_code=using_unit, work_region=work_region,
            residence_region=residence_region,
        )
        result = rt.ledger.join(JoinRequest(
            details=PersonalDetails(name=name, resident_id=resident_id, phone=phone),
            union_code=union, worker_group=group, channel=channel, situation=situation,
            recorded_by=actor_or_default(actor), effective_on=effective_on, campaign_id=campaign,
        ))
        m = rt.ledger.get_membership(result.id)
        console.print(f"[green]已入会[/green] {escape(mask_name(name))} → "
                      f"{escape(union_label(rt.ledger, m.union_id))}")
        console.print(f"会员编号 member id: [bold]{result.id}[/bold]", highlight=False)


@member_app.command("transfer-out")
def transfer_out(
    member: MemberArg,
    to: Annotated[str, typer.Option("--to", help="接收工会的统一社会信用代码")],
    reason: Annotated[str, typer.Option("--reason", help="转出原因")],
    effective_on: EffectiveOn = None,
    actor: Actor = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """转出: the holding union releases the member towards another union (R5: in transit)."""
    with ledger_session(data_dir, database_url) as rt:
        m = resolve_member(rt.ledger, member)
        rt.ledger.transfer_out(m.id, destination_code=to, reason=reason,
                               recorded_by=actor_or_default(actor), effective_on=effective_on)
        console.print(f"[green]已转出[/green] {m.id}：{escape(union_label(rt.ledger, m.union_id))}"
                      f" → {escape(union_label(rt.ledger, to))}（接转中）", highlight=False)


@member_app.command("transfer-in")
def transfer_in(
    member: MemberArg,
    at: Annotated[str, typer.Option("--at", help="办理转入的工会（须为转出时指定的接收工会）")],
    effective_on: EffectiveOn = None,
    actor: Actor = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """转入: the destination union accepts the member in transit (R5)."""
    with ledger_session(data_dir, database_url) as rt:
        m = resolve_member(rt.ledger, member)
        rt.ledger.transfer_in(m.id, union_code=at, recorded_by=actor_or_default(actor),
                              effective_on=effective_on)
        console.print(f"[green]已转入[/green] {m.id} → {escape(union_label(rt.ledger, at))}",
                      highlight=False)
