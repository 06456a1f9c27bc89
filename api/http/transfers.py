"""Transfers (R5): transfer-out by the holding union, transfer-in or cancel by the destination,
and the destination's inbox of members in transit (overdue ones flagged)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from api.http.deps import Caller, Ctx, IdempotencyKey, IfMatchHeader, MinPosition
from api.http.errors import PROBLEM_RESPONSES
from api.http.membership_changes import MemberId, member_write
from api.http.paging import Cursor, Limit, page, strip_tokens
from api.http.schemas.common import WriteResponse
from api.http.schemas.memberships import InboxResponse, ReasonRequest, TransferInRequest
from api.http.schemas.memberships import TransferOutRequest as OutRequest

router = APIRouter(tags=["transfers"], responses=PROBLEM_RESPONSES)


@router.post("/memberships/{member_id}/transfer-out", response_model=WriteResponse,
             summary="Release the member towards a destination union (in transit)")
def transfer_out(member_id: MemberId, body: OutRequest, ctx: Ctx, caller: Caller,
                 request: Request, idempotency_key: IdempotencyKey = None,
                 if_match: IfMatchHeader = None) -> JSONResponse:
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.transfer_out(
                            member_id, destination_code=body.destination_code,
                            reason=body.reason, recorded_by=caller.principal.subject,
                            effective_on=body.effective_on, expected_version=v),
                        scope=lambda m: (m.union_id,))


@router.post("/memberships/{member_id}/transfer-in", response_model=WriteResponse,
             summary="Accept a member in transit at the destination union")
def transfer_in(member_id: MemberId, body: TransferInRequest, ctx: Ctx, caller: Caller,
                request: Request, idempotency_key: IdempotencyKey = None,
                if_match: IfMatchHeader = None) -> JSONResponse:
    m = ctx.runtime.ledger.get_membership(member_id)
    caller.member_writable(m.destination_union_id, m.union_id)
    # accepting into a union outside the caller's scope is a write to another union (403)
    caller.require_union_write(body.union_code)
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.transfer_in(
                            member_id, union_code=body.union_code,
                            recorded_by=caller.principal.subject,
                            effective_on=body.effective_on, expected_version=v),
                        scope=lambda m: (m.destination_union_id, m.union_id))


@router.post("/memberships/{member_id}/cancel-transfer", response_model=WriteResponse,
             summary="Decline (destination) or withdraw (origin) a transfer: back to the origin")
def cancel_transfer(member_id: MemberId, body: ReasonRequest, ctx: Ctx, caller: Caller,
                    request: Request, idempotency_key: IdempotencyKey = None,
                    if_match: IfMatchHeader = None) -> JSONResponse:
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.cancel_transfer(
                            member_id, reason=body.reason, recorded_by=caller.principal.subject,
                            effective_on=body.effective_on, expected_version=v),
                        scope=lambda m: (m.union_id, m.destination_union_id))


@router.get("/unions/{code}/inbox", response_model=InboxResponse,
            summary="Members in transit to this union (overdue ones flagged)")
def inbox(ctx: Ctx, caller: Caller, code: Annotated[str, Path(max_length=40)],
          overdue_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
          cursor: Cursor = None, limit: Limit = 50,
          min_position: MinPosition = None) -> dict[str, Any]:
    ctx.reads.wait(min_position)
    caller.require_union_read(ctx.reads.union(code)["code"])
    rows = ctx.reads.need_store().inbox(code, overdue_days=overdue_days)
    items, nxt = page([strip_tokens(r) for r in rows], cursor, limit)
    return {"union_code": code, "items": items, "next_cursor": nxt}
