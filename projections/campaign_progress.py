"""campaign_progress: joins attributed to each joining campaign (入会集中行动, art. 14), counted
per union and worker group; per-region progress is summed at query time via the union registry.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from projections.base import Item, View
from projections.db import Db, Tx

DDL = """CREATE TABLE IF NOT EXISTS @campaign_progress (
    campaign_id CODE NOT NULL, union_code CODE NOT NULL, worker_group CODE NOT NULL,
    n BIGINT NOT NULL, PRIMARY KEY (campaign_id, union_code, worker_group))"""
JOINED = "Membership.Joined"
Delta = dict[tuple[str, str, str], int]  # (campaign_id, union_code, worker_group) -> joins


class CampaignProgress(View):
    """Counters only grow: a campaign counts the joins it brought, whatever happens after.

    Keyed by union (not region) so an event costs one upsert and needs no other view; a union's
    region never changes, so summing by region at query time is exact."""

    name = "campaign_progress"
    kinds = frozenset({JOINED})
    tables = ("campaign_progress",)

    def create(self, tx: Tx) -> None:
        tx.run(DDL)
        tx.counter_table("campaign_progress")

    def apply(self, tx: Tx, items: list[Item]) -> None:
        delta: Delta = defaultdict(int)
        fold(delta, items)
        write(tx, delta)


def fold(delta: Delta, items: list[Item]) -> None:
    """Counts the campaign joins among `items`; the live batches and the bulk rebuild."""
    for i in items:
        cid = getattr(i.event, "campaign_id", None) if i.kind == JOINED else None
        if cid:
            delta[(cid, i.event.union_id, i.event.worker_group)] += 1


def write(tx: Tx, delta: Delta) -> None:
    if delta:
        tx.add_counts("campaign_progress", ("campaign_id", "union_code", "worker_group"),
                      [(*k, n) for k, n in sorted(delta.items())])


def campaign_counts(db: Db, campaign_id: str) -> list[tuple[str, str, int]]:
    """(region code of the joining union, worker group, joins) for one campaign."""
    with db.read() as tx:
        rows = tx.all(
            "SELECT COALESCE(u.region_code, p.union_code), p.worker_group, SUM(p.n)"
            " FROM @campaign_progress p LEFT JOIN @unions u ON u.code = p.union_code"
            " WHERE p.campaign_id=? GROUP BY COALESCE(u.region_code, p.union_code),"
            " p.worker_group", (campaign_id,))
    return [(str(r), str(g), int(n)) for r, g, n in rows]


def progress_report(campaign: Any, counts: list[tuple[str, str, int]],
                    region_digits: int | None = None) -> dict[str, Any]:
    """The same shape as Ledger.campaign_progress (its replay), from the counters; regions may
    be rolled up to a prefix (2 province, 4 city, 6 county, 9 township)."""
    per_group: dict[str, int] = defaultdict(int)
    per_region: dict[tuple[str, str], int] = defaultdict(int)
    for region, group, n in counts:
        per_group[group] += n
        per_region[(region[:region_digits] if region_digits else region, group)] += n
    targets: dict[str, int] = dict(campaign.targets)
    groups = [{"worker_group": g, "target": targets.get(g, 0), "joined": per_group.get(g, 0)}
              for g in sorted(set(targets) | set(per_group))]
    return {
        "campaign_id": campaign.campaign_id, "name": campaign.name,
        "region_code": campaign.region_code, "period_from": campaign.period_from.isoformat(),
        "period_to": campaign.period_to.isoformat(), "closed": campaign.closed,
        "groups": groups,
        "regions": [{"region_code": r, "worker_group": g, "joined": n}
                    for (r, g), n in sorted(per_region.items())],
        "total": {"target": sum(targets.values()), "joined": sum(per_group.values())},
    }
