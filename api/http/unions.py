"""/unions: establish, read, rename, reparent, dissolve, children (addressed by credit code)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.http.auth import Guard
from api.http.deps import Caller, Context, Ctx, IdempotencyKey, MinPosition, Purpose
from api.http.errors import PROBLEM_RESPONSES
from api.http.member_view import roster_row
from api.http.paging import Cursor, Limit, page
from api.http.schemas.common import WriteResponse
from api.http.schemas.memberships import RosterResponse
from api.http.schemas.unions import (
    CountsResponse,
    DissolveUnionRequest,
    EstablishUnionRequest,
    RenameUnionRequest,
    ReparentUnionRequest,
    UnionListResponse,
    UnionResponse,
)
from api.http.writes import write
from api.union_establish import establish_and_open_transfers, projected_index
from domain.enums import Channel, Status, WorkerGroup

router = APIRouter(prefix="/unions", tags=["unions"], responses=PROBLEM_RESPONSES)
UnionCode = Path(max_length=40, description="the union's unified social credit code")


@router.post("", status_code=201, response_model=WriteResponse,
             summary="Establish a union (approved by its parent, R9)")
def establish_union(body: EstablishUnionRequest, ctx: Ctx, caller: Caller, request: Request,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    if body.parent_code is None:
        caller.require_role("national_admin")
    else:
        caller.require_union_write(body.parent_code)
    # an employer's union: its members due to it (art. 4, R4) are released to its inbox too
    return write(ctx, caller, request, body, idempotency_key, lambda: establish_and_open_transfers(
        ctx.runtime.ledger, projected_index(ctx.reads.store), code=body.code, name=body.name,
        kind=body.kind.value, level=body.level.value, region_code=body.region_code,
        parent_code=body.parent_code, approved_by=body.approved_by,
        recorded_by=caller.principal.subject, employer_code=body.employer_code,
        effective_on=body.effective_on)[0], status=201, location=f"/unions/{body.code}")


@router.get("/{code}", response_model=UnionResponse, summary="One union")
def get_union(ctx: Ctx, caller: Caller, code: str = UnionCode,
              min_position: MinPosition = None) -> dict[str, object]:
    ctx.reads.wait(min_position)
    union = ctx.reads.union(code)
    caller.require_union_read(union["code"])
    return union


@router.post("/{code}/rename", response_model=WriteResponse, summary="Rename a union")
def rename_union(body: RenameUnionRequest, ctx: Ctx, caller: Caller, request: Request,
                 code: str = UnionCode, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    caller.require_union_write(ctx.reads.union(code)["code"])
    return write(ctx, caller, request, body, idempotency_key, lambda: ctx.runtime.ledger
                 .rename_union(code, name=body.name, recorded_by=caller.principal.subject,
                               effective_on=body.effective_on, reason=body.reason))


@router.post("/{code}/reparent", response_model=WriteResponse,
             summary="Move a union (and its whole subtree) under another parent")
def reparent_union(body: ReparentUnionRequest, ctx: Ctx, caller: Caller, request: Request,
                   code: str = UnionCode, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    caller.require_union_write(ctx.reads.union(code)["code"])
    caller.require_union_write(ctx.reads.union(body.parent_code)["code"])
    return write(ctx, caller, request, body, idempotency_key, lambda: ctx.runtime.ledger
                 .reparent_union(code, parent_code=body.parent_code,
                                 recorded_by=caller.principal.subject,
                                 effective_on=body.effective_on, reason=body.reason))


@router.post("/{code}/dissolve", response_model=WriteResponse,
             summary="Dissolve a union; its members are held one level up (R8)")
def dissolve_union(body: DissolveUnionRequest, ctx: Ctx, caller: Caller, request: Request,
                   code: str = UnionCode, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    caller.require_union_write(ctx.reads.union(code)["code"])
    return write(ctx, caller, request, body, idempotency_key, lambda: ctx.runtime.ledger
                 .dissolve_union(code, recorded_by=caller.principal.subject,
                                 reason=body.reason, effective_on=body.effective_on))


@router.get("/{code}/children", response_model=UnionListResponse, summary="Direct child unions")
def union_children(ctx: Ctx, caller: Caller, code: str = UnionCode, cursor: Cursor = None,
                   limit: Limit = 100, min_position: MinPosition = None) -> dict[str, object]:
    ctx.reads.wait(min_position)
    caller.require_union_read(ctx.reads.union(code)["code"])
    items, nxt = page(ctx.reads.need_store().children(code), cursor, limit)
    return {"items": items, "next_cursor": nxt}


class RosterSearchRequest(BaseModel):
    """Roster filters; name and resident ID travel in the body so they never reach a URL."""

    subtree: bool = False
    status: Status | None = None
    worker_group: WorkerGroup | None = None
    channel: Channel | None = None
    joined_from: date | None = None
    joined_to: date | None = None
    as_of: date | None = None
    name: str | None = Field(default=None, max_length=50)
    resident_id: str | None = Field(default=None, max_length=32)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=500)


def _roster(ctx: Context, caller: Guard, code: str, q: RosterSearchRequest,
            purpose: str | None) -> dict[str, Any]:
    caller.require_union_read(ctx.reads.union(code)["code"])
    identity = ctx.runtime.identity
    rows, nxt = ctx.reads.need_store().roster(
        code, subtree=q.subtree, status=q.status and q.status.value,
        worker_group=q.worker_group and q.worker_group.value,
        channel=q.channel and q.channel.value, joined_from=q.joined_from,
        joined_to=q.joined_to, as_of=q.as_of,
        name_key=identity.lookup_key("name", q.name) if q.name else None,
        resident_member_id=str(identity.membership_id(q.resident_id.strip().upper()))
        if q.resident_id else None, cursor=q.cursor, limit=q.limit)
    items = [roster_row(ctx, caller, r, "roster", purpose) for r in rows]
    return {"items": items, "next_cursor": None if nxt is None else str(nxt)}


@router.get("/{code}/roster", response_model=RosterResponse,
            summary="The real-name roster (masked), optionally the whole subtree, as of a date")
def union_roster(ctx: Ctx, caller: Caller, code: str = UnionCode, subtree: bool = False,
                 status: Status | None = None, worker_group: WorkerGroup | None = None,
                 channel: Channel | None = None, joined_from: date | None = None,
                 joined_to: date | None = None, as_of: date | None = None,
                 cursor: Cursor = None, limit: Limit = 50, min_position: MinPosition = None,
                 purpose: Purpose = None) -> dict[str, Any]:
    ctx.reads.wait(min_position)
    q = RosterSearchRequest(subtree=subtree, status=status, worker_group=worker_group,
                            channel=channel, joined_from=joined_from, joined_to=joined_to,
                            as_of=as_of, cursor=cursor, limit=limit)
    return _roster(ctx, caller, code, q, purpose)


@router.post("/{code}/roster/search", response_model=RosterResponse,
             summary="Search the roster by name or resident ID (in the body)")
def search_roster(body: RosterSearchRequest, ctx: Ctx, caller: Caller, code: str = UnionCode,
                  min_position: MinPosition = None, purpose: Purpose = None) -> dict[str, Any]:
    ctx.reads.wait(min_position)
    return _roster(ctx, caller, code, body, purpose)


@router.get("/{code}/counts", response_model=CountsResponse,
            summary="Member counts: status × worker group × channel, self and subtree, as of")
def union_counts(ctx: Ctx, caller: Caller, code: str = UnionCode, as_of: date | None = None,
                 min_position: MinPosition = None) -> dict[str, Any]:
    ctx.reads.wait(min_position)
    caller.require_union_read(ctx.reads.union(code)["code"])
    store = ctx.reads.need_store()
    counts = dict(store.counts(code, as_of=as_of))
    counts["children"] = list(store.child_counts(code, as_of=as_of))
    return counts
