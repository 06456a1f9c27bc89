"""/employers: register, read, close (R8), and which unions cover it (own union, local ones)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from api.http.auth import Guard
from api.http.deps import Caller, Ctx, IdempotencyKey, MinPosition
from api.http.errors import PROBLEM_RESPONSES
from api.http.schemas.common import WriteResponse
from api.http.schemas.unions import (
    CloseEmployerRequest,
    CoveringUnionsResponse,
    EmployerResponse,
    RegisterEmployerRequest,
)
from api.http.writes import write
from api.union_establish import projected_index
from domain.employer import Employer
from domain.enums import FALLBACK_KINDS
from domain.values import region_covers

router = APIRouter(prefix="/employers", tags=["employers"], responses=PROBLEM_RESPONSES)
EmployerCode = Annotated[str, Path(max_length=40, description="the employer's credit code")]
OFFICIALS = ("national_admin", "union_official")


def _employer_out(e: Employer) -> dict[str, Any]:
    return {"code": e.code, "name": e.name, "kind": e.kind, "region_code": e.region_code,
            "parent_code": e.parent_code, "union_code": e.union_code, "closed": e.closed}


def _require_employer_write(ctx: Any, caller: Guard, e: Employer) -> None:
    """An employer's union, if any, must be in scope; else its region must be covered by the
    caller's scope union (the local union that would catch its workers)."""
    caller.require_role(*OFFICIALS)
    if caller.role == "national_admin":
        return
    if e.union_code:
        caller.require_union_write(e.union_code)
        return
    scope = ctx.reads.union(caller.principal.scope)
    if not region_covers(scope.get("region_code") or "", e.region_code):
        caller.require_union_write(e.code)  # raises the scope refusal


@router.post("", status_code=201, response_model=WriteResponse, summary="Register an employer")
def register_employer(body: RegisterEmployerRequest, ctx: Ctx, caller: Caller,
                      request: Request, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    caller.require_role(*OFFICIALS)
    return write(ctx, caller, request, body, idempotency_key, lambda: ctx.runtime.ledger
                 .register_employer(code=body.code, name=body.name, kind=body.kind.value,
                                    region_code=body.region_code,
                                    recorded_by=caller.principal.subject,
                                    parent_code=body.parent_code,
                                    effective_on=body.effective_on),
                 status=201, location=f"/employers/{body.code}")


@router.get("/{code}", response_model=EmployerResponse, summary="One employer")
def get_employer(code: EmployerCode, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require_role(*OFFICIALS, "auditor")
    return _employer_out(ctx.runtime.ledger.get_employer(code, field="code"))


@router.post("/{code}/close", response_model=WriteResponse,
             summary="Close an employer: its union is dissolved, members held one level up (R8)")
def close_employer(code: EmployerCode, body: CloseEmployerRequest, ctx: Ctx, caller: Caller,
                   request: Request, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    _require_employer_write(ctx, caller, ctx.runtime.ledger.get_employer(code, field="code"))
    return write(ctx, caller, request, body, idempotency_key, lambda: ctx.runtime.ledger
                 .close_employer(code, recorded_by=caller.principal.subject,
                                 reason=body.reason, effective_on=body.effective_on))


@router.get("/{code}/unions", response_model=CoveringUnionsResponse,
            summary="Which unions cover this employer's workers")
def covering_unions(code: EmployerCode, ctx: Ctx, caller: Caller,
                    min_position: MinPosition = None) -> dict[str, Any]:
    caller.require_role(*OFFICIALS, "auditor")
    ctx.reads.wait(min_position)
    e = ctx.runtime.ledger.get_employer(code, field="code")
    store = ctx.reads.need_store()
    local = [ctx.reads.union(u.code) for u in store.unions_covering(e.region_code)
             if not u.dissolved and u.kind in FALLBACK_KINDS]
    return {"employer_code": e.code,
            "own_union": ctx.reads.union(e.union_code) if e.union_code else None,
            "local_unions": local}


@router.post("/{code}/due-transfers", summary="Open the transfers due to the employer's union "
             "(art. 4, R4): done on establishing it; run again after a conflict")
def open_due_transfers(ctx: Ctx, caller: Caller, code: EmployerCode) -> dict[str, Any]:
    ledger = ctx.runtime.ledger
    e = ledger.get_employer(code, field="code")
    caller.require_role(*OFFICIALS)
    if e.union_code:  # without one the ledger refuses (auto_transfer.no_union)
        caller.require_union_write(e.union_code)
    released = ledger.open_due_transfers(e.code, recorded_by=caller.principal.subject,
                                         index=projected_index(ctx.reads.store))
    return {"employer_code": e.code, "union_code": e.union_code, "released": released,
            "position": int(ledger.recorder.max_notification_id() or 0)}
