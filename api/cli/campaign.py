"""`union-ledger campaign launch | list | progress | close`: joining campaigns (入会集中行动,
art. 14) from the shell; progress reads the campaign_progress counters, views caught up first.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console
from api.cli.member import EffectiveOn
from api.cli.session import Actor, actor_or_default, ledger_session
from api.wiring import build_read_side
from domain.campaign_list import list_campaigns
from domain.enums import WORKER_GROUP_ZH, WorkerGroup
from domain.errors import ValidationError

campaign_app = typer.Typer(help="入会集中行动：发起、列表、进展、结束", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")
CampaignArg = Annotated[str, typer.Argument(metavar="CAMPAIGN", help="行动编号")]


def _targets(items: list[str]) -> dict[str, int]:
    """`courier=300` pairs (or one JSON object) → {worker group: target}."""
    if len(items) == 1 and items[0].lstrip().startswith("{"):
        return dict(json.loads(items[0]))
    out: dict[str, int] = {}
    for item in items:
        group, sep, n = item.partition("=")
        if not sep or not n.strip().isdigit():
            raise ValidationError(f"目标应写作 职业群体=人数，例如 courier=300：{item}",
                                  message_en="a target is group=number, e.g. courier=300",
                                  code="campaign.target", field="targets")
        out[group.strip()] = int(n)
    return out


@campaign_app.command("launch")
def launch(
    campaign_id: Annotated[str, typer.Option("--id", help="行动编号（3-40 位）")],
    name: Annotated[str, typer.Option("--name", help="行动名称")],
    organiser: Annotated[str, typer.Option("--organiser", help="发起工会代码")],
    region: Annotated[str, typer.Option("--region", help="区域范围（区划代码；000000 为全国）")],
    period_from: Annotated[str, typer.Option("--from", help="开始日期 YYYY-MM-DD")],
    period_to: Annotated[str, typer.Option("--to", help="结束日期 YYYY-MM-DD")],
    target: Annotated[list[str] | None, typer.Option(
        "--target", help=f"目标：职业群体=人数，可重复（{', '.join(g.value for g in WorkerGroup)}）"
    )] = None,
    effective_on: EffectiveOn = None, actor: Actor = None, data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """发起入会集中行动: joins in its period and region are attributed to it."""
    with ledger_session(data_dir, database_url) as rt:
        rt.ledger.launch_campaign(
            campaign_id=campaign_id, name=name, organiser_code=organiser, region_code=region,
            period_from=period_from, period_to=period_to, targets=_targets(target or []),
            recorded_by=actor_or_default(actor), effective_on=effective_on)
        console.print(f"[green]已发起[/green] {escape(campaign_id)} {escape(name)}",
                      highlight=False)


@campaign_app.command("list")
def list_(
    active: Annotated[bool, typer.Option("--active", help="只列出进行中的行动")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="进行中的判断日期")] = None,
    data_dir: DataDir = None, database_url: DatabaseUrl = None,
) -> None:
    """入会集中行动列表."""
    with ledger_session(data_dir, database_url) as rt:
        on = date.fromisoformat(as_of) if as_of else (rt.ledger.today() if active else None)
        table = Table("编号", "名称", "发起工会", "区域", "期间", "目标", "状态")
        for c in list_campaigns(rt.ledger, active_on=on):
            table.add_row(escape(c.campaign_id), escape(c.name), c.organiser_code, c.region_code,
                          f"{c.period_from} – {c.period_to}", f"{sum(c.targets.values()):,}",
                          "已结束" if c.closed else "进行中")
        console.print(table)


@campaign_app.command("progress")
def progress(campaign_id: CampaignArg, data_dir: DataDir = None,
             database_url: DatabaseUrl = None) -> None:
    """进展: joins per worker group against target, and per region."""
    from projections.campaign_progress import campaign_counts, progress_report

    with ledger_session(data_dir, database_url) as rt:
        c = rt.ledger.get_campaign(campaign_id)
        store, runner = build_read_side(rt, start_runner=False)
        runner.catch_up()
        report = progress_report(c, campaign_counts(store.db, c.campaign_id))
        console.print(f"{escape(c.name)}（{escape(c.campaign_id)}）{c.period_from} – "
                      f"{c.period_to}，区域 {c.region_code}", highlight=False)
        table = Table("职业群体", "目标", "已入会", "完成率")
        for g in report["groups"]:
            rate = f"{g['joined'] / g['target']:.0%}" if g["target"] else "—"
            table.add_row(WORKER_GROUP_ZH.get(WorkerGroup(g["worker_group"]), g["worker_group"]),
                          f"{g['target']:,}", f"{g['joined']:,}", rate)
        t = report["total"]
        table.add_row("合计", f"{t['target']:,}", f"{t['joined']:,}", "")
        console.print(table)
        regions = Table("区划代码", "职业群体", "已入会")
        for r in report["regions"]:
            regions.add_row(r["region_code"], r["worker_group"], f"{r['joined']:,}")
        console.print(regions)


@campaign_app.command("close")
def close(campaign_id: CampaignArg,
          reason: Annotated[str | None, typer.Option("--reason", help="原因")] = None,
          effective_on: EffectiveOn = None, actor: Actor = None, data_dir: DataDir = None,
          database_url: DatabaseUrl = None) -> None:
    """结束入会集中行动: later joins are no longer attributed to it."""
    with ledger_session(data_dir, database_url) as rt:
        rt.ledger.close_campaign(campaign_id, recorded_by=actor_or_default(actor), reason=reason,
                                 effective_on=effective_on)
        console.print(f"[green]已结束[/green] {escape(campaign_id)}", highlight=False)
