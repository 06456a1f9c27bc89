"""/campaigns: launch, list, progress and close joining campaigns (入会集中行动, art. 14).

Progress reads the campaign_progress counters (projections) and falls back to the ledger's
replay only when the read side is not running.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from api.http.auth import Guard, forbidden
from api.http.deps import Caller, Context, Ctx, IdempotencyKey, MinPosition
from api.http.errors import PROBLEM_RESPONSES
from api.http.schemas.campaigns import (
    CampaignListResponse,
    CampaignProgressResponse,
    CloseCampaignRequest,
    LaunchCampaignRequest,
)
from api.http.schemas.common import WriteResponse
from api.http.writes import write
from domain.campaign import Campaign
from domain.campaign_list import campaign_dict, list_campaigns
from domain.errors import NotFoundError

router = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=PROBLEM_RESPONSES)
CampaignId = Annotated[str, Path(max_length=40, description="the campaign's id")]
DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9}


def _visible(ctx: Context, caller: Guard, c: Campaign) -> bool:
    """Officials see campaigns organised inside their subtree and those organised above them
    (a city campaign covers its townships); national admins see all."""
    if caller.in_scope(c.organiser_code):
        return True
    scope = caller.principal.scope
    return bool(scope) and c.organiser_code in ctx.reads.ancestor_codes(scope or "")


def _campaign(ctx: Context, caller: Guard, campaign_id: str) -> Campaign:
    caller.require_role("national_admin", "union_official", "auditor")
    c = ctx.runtime.ledger.get_campaign(campaign_id)
    if not _visible(ctx, caller, c):  # 404, not 403: another subtree's campaign does not leak
        raise NotFoundError("入会集中行动不存在", message_en="campaign not found",
                            code="campaign.not_found", field="campaign_id")
    return c


@router.post("", status_code=201, response_model=WriteResponse,
             summary="Launch a joining campaign (organiser's scope; targets per worker group)")
def launch_campaign(body: LaunchCampaignRequest, ctx: Ctx, caller: Caller, request: Request,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    caller.require_role("national_admin", "union_official")
    ledger = ctx.runtime.ledger
    organiser = ledger.get_union(body.organiser_code, field="organiser_code")
    if not caller.in_scope(organiser.code):
        raise forbidden("发起工会不在您的管辖范围内", "the organiser is outside your scope")
    return write(ctx, caller, request, body, idempotency_key, lambda: ledger.launch_campaign(
        campaign_id=body.campaign_id, name=body.name, organiser_code=organiser.code,
        region_code=body.region_code, period_from=body.period_from, period_to=body.period_to,
        targets={g.value: n for g, n in body.targets.items()},
        recorded_by=caller.principal.subject, effective_on=body.effective_on),
        status=201, location=f"/campaigns/{body.campaign_id.strip()}")


@router.get("", response_model=CampaignListResponse,
            summary="Campaigns visible to the caller; `active` (or `as_of`) keeps those open then")
def campaigns(ctx: Ctx, caller: Caller, active: bool = False,
              as_of: date | None = None) -> dict[str, Any]:
    caller.require_role("national_admin", "union_official", "auditor")
    ledger = ctx.runtime.ledger
    on = as_of or (ledger.today() if active else None)  # as_of alone also filters
    return {"items": [campaign_dict(c) for c in list_campaigns(ledger, active_on=on)
                      if _visible(ctx, caller, c)]}


@router.get("/{campaign_id}", response_model=CampaignProgressResponse,
            summary="One campaign with its progress: joins per worker group vs target, per region")
def campaign(ctx: Ctx, caller: Caller, campaign_id: CampaignId,
             region_level: Annotated[Literal["province", "city", "county", "township"] | None,
                                     Query(description="roll regions up to this level")] = None,
             min_position: MinPosition = None) -> dict[str, Any]:
    ctx.reads.wait(min_position)
    c = _campaign(ctx, caller, campaign_id)
    digits = DIGITS[region_level] if region_level else None
    if ctx.reads.store is None:
        report = ctx.runtime.ledger.campaign_progress(c.campaign_id)  # replay: O(all joins)
        if digits:
            from projections.campaign_progress import progress_report
            counts = [(r["region_code"], r["worker_group"], r["joined"])
                      for r in report["regions"]]
            report = progress_report(c, counts, digits)
    else:
        from projections.campaign_progress import campaign_counts, progress_report
        report = progress_report(c, campaign_counts(ctx.reads.store.db, c.campaign_id), digits)
    return {**campaign_dict(c), **report}


@router.post("/{campaign_id}/close", response_model=WriteResponse,
             summary="Close a campaign: later joins are no longer attributed to it")
def close_campaign(body: CloseCampaignRequest, ctx: Ctx, caller: Caller, request: Request,
                   campaign_id: CampaignId, idempotency_key: IdempotencyKey = None
                   ) -> JSONResponse:
    c = _campaign(ctx, caller, campaign_id)
    caller.require_union_write(c.organiser_code)
    return write(ctx, caller, request, body, idempotency_key, lambda: ctx.runtime.ledger
                 .close_campaign(c.campaign_id, recorded_by=caller.principal.subject,
                                 reason=body.reason, effective_on=body.effective_on))
