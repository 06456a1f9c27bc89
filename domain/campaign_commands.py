"""Campaign commands (art. 14), mixed into the Ledger: launch, close, attribute joins, progress.

A join names its campaign, or gets the one open campaign whose period and region hold it; with
two or more matching, none is guessed (the caller must name it).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.campaign import (
    NATIONWIDE,
    REGISTRY_ID,
    Campaign,
    CampaignRegistry,
    campaign_aggregate_id,
)
from domain.enums import WorkerGroup, parse_enum
from domain.errors import NotFoundError, RuleViolationError, ValidationError
from domain.ledger_base import CommandResult, LedgerBase
from domain.structure import _name
from domain.values.region import parse_region_code

if TYPE_CHECKING:
    from domain.union import Union

_ID = re.compile(r"^\w[\w-]{2,39}$")  # letters (Chinese too), digits, _ and -


def _day(value: date | str, field: str) -> date:
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{field}：日期格式错误，应为 YYYY-MM-DD", code="date.format",
                              message_en=f"{field}: expected YYYY-MM-DD", field=field) from None


def _targets(targets: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for group, n in (targets or {}).items():
        wg = parse_enum(WorkerGroup, group, "targets")
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 10_000_000:
            raise ValidationError("目标人数须为 0 到 10,000,000 的整数", code="campaign.target",
                                  message_en="a target is an integer 0-10,000,000",
                                  field=f"targets.{wg.value}")
        out[wg.value] = n
    return out


class CampaignCommands(LedgerBase):
    def launch_campaign(
        self, *, campaign_id: str, name: str, organiser_code: str, region_code: str,
        period_from: date | str, period_to: date | str, targets: dict[str, Any],
        recorded_by: str, effective_on: date | str | None = None,
    ) -> CommandResult:
        cid = (campaign_id or "").strip()
        if not _ID.match(cid):
            raise ValidationError("行动编号须为 3-40 位文字、字母、数字、下划线或连字符",
                                  message_en="campaign_id: 3-40 letters, digits, _ or -",
                                  code="campaign.id_format", field="campaign_id")
        start, end = _day(period_from, "period_from"), _day(period_to, "period_to")
        if end < start:
            raise ValidationError("结束日期不能早于开始日期", code="campaign.period",
                                  message_en="period_to is before period_from", field="period_to")
        organiser = self.get_union(organiser_code, field="organiser_code")
        region = (NATIONWIDE if region_code == NATIONWIDE
                  else parse_region_code(region_code, field="region_code"))
        goal = _targets(targets)
        if self._exists(campaign_aggregate_id(cid)) is not None:
            raise RuleViolationError("该行动编号已存在", code="campaign.exists",
                                     message_en="campaign_id already used", field="campaign_id")
        eff = self.effective(effective_on)
        c = Campaign._create(
            Campaign.Launched, id=campaign_aggregate_id(cid), campaign_id=cid,
            name=_name(name), organiser_code=organiser.code, region_code=region,
            period_from=start, period_to=end, targets=goal, effective_on=eff,
            recorded_by=recorded_by, reason=None)
        registry = self._exists(REGISTRY_ID)
        if not isinstance(registry, CampaignRegistry):
            registry = CampaignRegistry._create(CampaignRegistry.Started, id=REGISTRY_ID,
                                                recorded_by=recorded_by)
        registry.trigger_event(CampaignRegistry.Listed, campaign_id=cid, region_code=region,
                               period_from=start, period_to=end, recorded_by=recorded_by)
        return self._result(c, self._save(c, registry))  # two launches at once: one conflicts

    def get_campaign(self, campaign_id: str, field: str = "campaign_id") -> Campaign:
        cid = (campaign_id or "").strip()
        c = self._exists(campaign_aggregate_id(cid)) if _ID.match(cid) else None
        if not isinstance(c, Campaign):
            raise NotFoundError("入会集中行动不存在", message_en="campaign not found",
                                code="campaign.not_found", field=field)
        return c

    def close_campaign(self, campaign_id: str, *, recorded_by: str,
                       reason: str | None = None,
                       effective_on: date | str | None = None) -> CommandResult:
        c = self.get_campaign(campaign_id)
        if c.closed:
            raise RuleViolationError("该行动已结束", code="campaign.closed", field="campaign_id")
        registry = self._exists(REGISTRY_ID)
        assert isinstance(registry, CampaignRegistry)  # a launch always lists it
        eff = self.effective(effective_on)
        c.trigger_event(Campaign.Closed, effective_on=eff, recorded_by=recorded_by,
                        reason=reason)
        registry.trigger_event(CampaignRegistry.Unlisted, campaign_id=c.campaign_id,
                               recorded_by=recorded_by)
        return self._result(c, self._save(c, registry))

    def campaign_for(self, named: str | None, union: Union, on: date,
                     registry: CampaignRegistry | None) -> str | None:
        """The campaign a join is attributed to: the named one (checked) or the only match."""
        if named:
            c = self.get_campaign(named)
            if c.closed or not c.covers(union.region_code, on):
                raise RuleViolationError(
                    "入会日期或所入工会不在该入会集中行动的期间和区域内（或行动已结束）",
                    message_en="the join is outside the campaign's period or region (or closed)",
                    code="campaign.out_of_scope", field="campaign_id", rule="art. 14")
            return c.campaign_id
        matches = registry.matching(union.region_code, on) if registry is not None else []
        return matches[0] if len(matches) == 1 else None

    def campaign_progress(self, campaign_id: str) -> dict[str, Any]:
        """Joins attributed to the campaign per worker group (against target) and per region.

        O(all joins): decodes every Joined event. Fine for a campaign report; dashboards read
        the projections' campaign counters instead.
        """
        from eventsourcing.utils import get_topic

        from domain.membership import Membership

        c = self.get_campaign(campaign_id)
        topic = get_topic(Membership.Joined)
        per_group: dict[str, int] = {}
        per_region: dict[tuple[str, str], int] = {}
        regions: dict[str, str] = {}
        start = 1
        while True:
            page = self.recorder.select_notifications(start, 1000, topics=[topic])
            for n in page:
                ev: Any = self.mapper.to_domain_event(n)
                if getattr(ev, "campaign_id", None) != c.campaign_id:
                    continue
                if ev.union_id not in regions:
                    regions[ev.union_id] = self.get_union(ev.union_id).region_code
                key = (regions[ev.union_id], ev.worker_group)
                per_region[key] = per_region.get(key, 0) + 1
                per_group[ev.worker_group] = per_group.get(ev.worker_group, 0) + 1
            if len(page) < 1000:
                break
            start = page[-1].id + 1
        groups = [{"worker_group": g, "target": c.targets.get(g, 0), "joined": per_group.get(g, 0)}
                  for g in sorted(set(c.targets) | set(per_group))]
        return {
            "campaign_id": c.campaign_id, "name": c.name, "region_code": c.region_code,
            "period_from": c.period_from.isoformat(), "period_to": c.period_to.isoformat(),
            "closed": c.closed, "groups": groups,
            "regions": [{"region_code": r, "worker_group": g, "joined": n}
                        for (r, g), n in sorted(per_region.items())],
            "total": {"target": sum(c.targets.values()), "joined": sum(per_group.values())},
        }
