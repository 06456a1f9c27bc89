"""Joining campaigns (入会集中行动, policy art. 14): the Campaign aggregate and the registry of
campaigns that the join command consults to attribute a join to the one campaign it falls in.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.values.region import region_covers

REGISTRY_ID = uuid5(NAMESPACE_URL, "union-ledger:campaign-registry")
NATIONWIDE = "000000"  # scope of a national campaign (全国): every region


def in_scope(scope: str, union_region: str) -> bool:
    return scope == NATIONWIDE or region_covers(scope, union_region)


def campaign_aggregate_id(campaign_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"union-ledger:campaign:{campaign_id}")


class Campaign(Aggregate):
    if TYPE_CHECKING:
        campaign_id: str
        name: str
        organiser_code: str
        region_code: str
        period_from: date
        period_to: date
        targets: dict[str, int]
        closed: bool

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str
        reason: str | None

    class Launched(Event, Aggregate.Created):
        campaign_id: str
        name: str
        organiser_code: str  # the union running it
        region_code: str  # scope: joins to unions inside this region (NATIONWIDE: all)
        period_from: date
        period_to: date
        targets: dict[str, int]  # worker group → members to recruit

        def apply(self, aggregate: Any) -> None:
            c = cast(Campaign, aggregate)
            for f in ("campaign_id", "name", "organiser_code", "region_code", "period_from",
                      "period_to"):
                setattr(c, f, getattr(self, f))
            c.targets = dict(self.targets)
            c.closed = False

    class Closed(Event):
        def apply(self, aggregate: Any) -> None:
            cast(Campaign, aggregate).closed = True

    def covers(self, union_region: str, on: date) -> bool:
        return self.period_from <= on <= self.period_to and in_scope(self.region_code,
                                                                       union_region)


class CampaignRegistry(Aggregate):
    """Every campaign's scope and period in one small aggregate: one read per join (or batch)."""

    if TYPE_CHECKING:
        entries: dict[str, dict[str, Any]]

    class Event(Aggregate.Event):
        recorded_by: str

    class Started(Event, Aggregate.Created):
        def apply(self, aggregate: Any) -> None:
            cast(CampaignRegistry, aggregate).entries = {}

    class Listed(Event):
        campaign_id: str
        region_code: str
        period_from: date
        period_to: date

        def apply(self, aggregate: Any) -> None:
            cast(CampaignRegistry, aggregate).entries[self.campaign_id] = {
                "region_code": self.region_code, "period_from": self.period_from,
                "period_to": self.period_to, "closed": False}

    class Unlisted(Event):
        campaign_id: str

        def apply(self, aggregate: Any) -> None:
            cast(CampaignRegistry, aggregate).entries[self.campaign_id]["closed"] = True

    def matching(self, union_region: str, on: date) -> list[str]:
        """Open campaigns whose period holds `on` and whose region holds the union's region."""
        return sorted(
            cid for cid, e in self.entries.items()
            if not e["closed"] and e["period_from"] <= on <= e["period_to"]
            and in_scope(e["region_code"], union_region)
        )
