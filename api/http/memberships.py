"""/memberships: join, lookup and check by resident ID (in the body), current state and history.

Reads come from the membership's own events, so they are always current (no min_position).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from api.http.auth import forbidden, member_not_found
from api.http.deps import Caller, Ctx, IdempotencyKey, Purpose
from api.http.errors import PROBLEM_RESPONSES
from api.http.member_view import history_entries, membership_out, person_out, replay_as_of
from api.http.paging import Cursor, Limit, page
from api.http.schemas.common import WriteResponse
from api.http.schemas.memberships import (
    CheckResponse,
    HistoryResponse,
    JoinRequest,
    LookupResponse,
    MembershipResponse,
    ResidentIdRequest,
)
from api.http.writes import write
from domain.enums import Channel
from domain.errors import AlreadyMemberError, ValidationError
from domain.history import as_recorded
from domain.joining import Situation
from domain.joins import JoinRequest as DomainJoin
from domain.personal import PersonalDetails

router = APIRouter(prefix="/memberships", tags=["memberships"], responses=PROBLEM_RESPONSES)
MemberId = Annotated[str, Path(max_length=64, description="the membership id (not a resident ID)")]


@router.post("", status_code=201, response_model=WriteResponse,
             summary="Join (入会): personal details in the body")
def join(body: JoinRequest, ctx: Ctx, caller: Caller, request: Request,
         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    if caller.role == "platform_integrator":
        # an integrator submits only its own workers, through the platform channel
        s = body.situation
        own = caller.principal.employer in (s.employer_code, s.using_unit_code)
        if body.channel is not Channel.VIA_PLATFORM or not own:
            raise forbidden("平台只能以“平台企业代办”渠道为本平台劳动者提交入会",
                            "an integrator submits only its own workers, channel via_platform")
    else:
        caller.require_union_write(ctx.reads.union(body.union_code)["code"])
    p, s = body.person, body.situation
    req = DomainJoin(
        details=PersonalDetails(name=p.name, resident_id=p.resident_id, phone=p.phone,
                                address=p.address),
        union_code=body.union_code, worker_group=body.worker_group.value,
        channel=body.channel.value,
        situation=Situation(s.relation, employer_code=s.employer_code,
                            using_unit_code=s.using_unit_code, work_region=s.work_region,
                            residence_region=s.residence_region),
        recorded_by=caller.principal.subject, effective_on=body.effective_on,
        override_by=body.override_by, override_reason=body.override_reason,
        campaign_id=body.campaign_id,
    )

    def command() -> Any:
        try:
            return ctx.runtime.ledger.join(req)
        except AlreadyMemberError as e:
            # R1 names the current union only to whoever may see it
            if not caller.in_scope(e.details.get("union_code")):
                raise AlreadyMemberError(e.message_zh, message_en=e.message_en, code=e.code,
                                         field=e.field, rule=e.rule) from None
            raise

    return write(ctx, caller, request, body, idempotency_key, command, status=201,
                 location="/memberships/{id}")


@router.post("/lookup", response_model=LookupResponse,
             summary="Find a member id by resident ID (in the body, never the URL)")
def lookup(body: ResidentIdRequest, ctx: Ctx, caller: Caller) -> dict[str, str]:
    caller.require_role("national_admin", "union_official", "auditor")
    m = ctx.runtime.ledger.find_membership(body.resident_id)
    if m is None:
        raise member_not_found()
    caller.member_visible(m.union_id, m.destination_union_id, m.delegated_to)
    return {"member_id": str(m.id)}


@router.post("/check", response_model=CheckResponse,
             summary="Is this worker a member, and of which union? (least data)")
def check(body: ResidentIdRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    m = ctx.runtime.ledger.find_membership(body.resident_id)
    if m is None or not m.holds:
        return {"member": False, "union_name": None}
    return {"member": True, "union_name": ctx.reads.union(m.union_id)["name"]}


@router.get("/{member_id}", response_model=MembershipResponse,
            summary="A membership now, as of a business date, or as recorded at a moment")
def get_membership(member_id: MemberId, ctx: Ctx, caller: Caller, request: Request,
                   as_of: Annotated[date | None, Query(description="business date")] = None,
                   recorded_at: Annotated[datetime | None, Query(
                       description="transaction time, with a time zone: what the ledger had "
                       "recorded then (README: 两条时间轴)")] = None,
                   purpose: Purpose = None) -> JSONResponse:
    ledger = ctx.runtime.ledger
    m = ledger.get_membership(member_id)
    caller.member_visible(m.union_id, m.destination_union_id, m.delegated_to)
    shown = m
    if as_of is not None and recorded_at is not None:
        raise ValidationError("as_of 与 recorded_at 只能给出一个",
                              message_en="give as_of or recorded_at, not both",
                              code="as_of.both", field="recorded_at")
    if as_of is not None or recorded_at is not None:
        events = ledger.history(m.id)
        past = (replay_as_of(events, as_of) if as_of is not None
                else as_recorded(events, recorded_at))  # type: ignore[arg-type]
        if past is None:
            raise member_not_found()
        shown = past
    person = person_out(ctx, caller, m, endpoint="GET /memberships/{member_id}", purpose=purpose)
    body = MembershipResponse.model_validate(membership_out(shown, person, as_of))
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": f'"{m.version}"'})


@router.get("/{member_id}/history", response_model=HistoryResponse,
            summary="Every event: type, effective date, recorded time, actor, reason, result")
def membership_history(member_id: MemberId, ctx: Ctx, caller: Caller, cursor: Cursor = None,
                       limit: Limit = 100) -> dict[str, Any]:
    m = ctx.runtime.ledger.get_membership(member_id)
    caller.member_visible(m.union_id, m.destination_union_id, m.delegated_to)
    items, nxt = page(history_entries(ctx.runtime.ledger.history(m.id)), cursor, limit)
    return {"member_id": str(m.id), "items": items, "next_cursor": nxt}
