"""Listing joining campaigns (art. 14): every campaign in the registry, optionally only those
open on a date. Campaigns are few (dozens a year), so loading each aggregate is cheap."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.campaign import REGISTRY_ID, Campaign, CampaignRegistry

if TYPE_CHECKING:
    from domain.application import Ledger


def list_campaigns(ledger: Ledger, *, active_on: date | None = None) -> list[Campaign]:
    """Campaigns by id; with `active_on`, only the open ones whose period holds that date."""
    registry = ledger._exists(REGISTRY_ID)
    if not isinstance(registry, CampaignRegistry):
        return []
    out = []
    for cid in sorted(registry.entries):
        e = registry.entries[cid]
        if active_on is not None and (e["closed"] or not
                                      e["period_from"] <= active_on <= e["period_to"]):
            continue
        out.append(ledger.get_campaign(cid))
    return out


def campaign_dict(c: Campaign) -> dict[str, object]:
    return {
        "campaign_id": c.campaign_id, "name": c.name, "organiser_code": c.organiser_code,
        "region_code": c.region_code, "period_from": c.period_from.isoformat(),
        "period_to": c.period_to.isoformat(), "targets": dict(c.targets), "closed": c.closed,
        "version": c.version,
    }
