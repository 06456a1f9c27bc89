"""/memberships/{member_id}/…: correct details, retain, reactivate, withdraw, expel, erase.

Each honours If-Match ("<version>", stale → 412) and Idempotency-Key and answers with an ETag.
A membership outside the caller's scope answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.http.auth import Guard
from api.http.deps import Caller, Context, Ctx, IdempotencyKey, IfMatchHeader, if_match_version
from api.http.errors import PROBLEM_RESPONSES
from api.http.schemas.common import WriteResponse
from api.http.schemas.memberships import (
    CorrectDetailsRequest,
    EraseRequest,
    OptionalReasonRequest,
    ReasonRequest,
    RetainRequest,
    WithdrawRequest,
)
from api.http.writes import write
from domain.application import CommandResult
from domain.membership import Membership
from domain.personal import PersonalDetails

router = APIRouter(prefix="/memberships", tags=["memberships"], responses=PROBLEM_RESPONSES)
MemberId = Annotated[str, Path(max_length=64, description="the membership id")]


def member_write(ctx: Context, caller: Guard, request: Request, member_id: str,
                 body: BaseModel, key: str | None, if_match: str | None,
                 command: Callable[[int | None], CommandResult],
                 scope: Callable[[Membership], tuple[str | None, ...]] | None = None,
                 ) -> JSONResponse:
    expected = if_match_version(if_match)
    m = ctx.runtime.ledger.get_membership(member_id)
    caller.member_writable(*(scope(m) if scope else (m.union_id, m.delegated_to)))
    return write(ctx, caller, request, body, key, lambda: command(expected), if_match=if_match)


@router.post("/{member_id}/correct-details", response_model=WriteResponse,
             summary="Correct personal details or worker group (the resident ID cannot change)")
def correct_details(member_id: MemberId, body: CorrectDetailsRequest, ctx: Ctx, caller: Caller,
                    request: Request, idempotency_key: IdempotencyKey = None,
                    if_match: IfMatchHeader = None) -> JSONResponse:
    p = body.person
    details = None if p is None else PersonalDetails(
        name=p.name, resident_id=p.resident_id, phone=p.phone, address=p.address)
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.correct_details(
                            member_id, recorded_by=caller.principal.subject, reason=body.reason,
                            details=details,
                            worker_group=body.worker_group.value if body.worker_group else None,
                            effective_on=body.effective_on, expected_version=v))


@router.post("/{member_id}/retain", response_model=WriteResponse,
             summary="Retain membership on retirement or unemployment (R6)")
def retain(member_id: MemberId, body: RetainRequest, ctx: Ctx, caller: Caller, request: Request,
           idempotency_key: IdempotencyKey = None, if_match: IfMatchHeader = None) -> JSONResponse:
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.retain(
                            member_id, cause=body.cause, recorded_by=caller.principal.subject,
                            reason=body.reason, effective_on=body.effective_on,
                            expected_version=v))


@router.post("/{member_id}/reactivate", response_model=WriteResponse,
             summary="Reactivate a retained membership")
def reactivate(member_id: MemberId, body: OptionalReasonRequest, ctx: Ctx, caller: Caller,
               request: Request, idempotency_key: IdempotencyKey = None,
               if_match: IfMatchHeader = None) -> JSONResponse:
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.reactivate(
                            member_id, recorded_by=caller.principal.subject, reason=body.reason,
                            effective_on=body.effective_on, expected_version=v))


@router.post("/{member_id}/withdraw", response_model=WriteResponse,
             summary="Withdraw (voluntary, or automatic after 6 months, R7)")
def withdraw(member_id: MemberId, body: WithdrawRequest, ctx: Ctx, caller: Caller,
             request: Request, idempotency_key: IdempotencyKey = None,
             if_match: IfMatchHeader = None) -> JSONResponse:
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.withdraw(
                            member_id, recorded_by=caller.principal.subject,
                            automatic=body.automatic, reason=body.reason,
                            effective_on=body.effective_on, expected_version=v))


@router.post("/{member_id}/expel", response_model=WriteResponse, summary="Expel (R7)")
def expel(member_id: MemberId, body: ReasonRequest, ctx: Ctx, caller: Caller, request: Request,
          idempotency_key: IdempotencyKey = None, if_match: IfMatchHeader = None) -> JSONResponse:
    return member_write(ctx, caller, request, member_id, body, idempotency_key, if_match,
                        lambda v: ctx.runtime.ledger.expel(
                            member_id, recorded_by=caller.principal.subject, reason=body.reason,
                            effective_on=body.effective_on, expected_version=v))


@router.post("/{member_id}/erase", response_model=WriteResponse,
             summary="Erase personal data (PIPL art. 47): history and counts stay")
def erase(member_id: MemberId, body: EraseRequest, ctx: Ctx, caller: Caller, request: Request,
          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return member_write(ctx, caller, request, member_id, body, idempotency_key, None,
                        lambda v: ctx.runtime.ledger.erase_personal_data(
                            member_id, recorded_by=caller.principal.subject, reason=body.reason))
