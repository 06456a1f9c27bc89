"""/applications (art. 8 网上入会): submit, the applicant's status, the union's review queue,
approve (joins the worker) and reject.

The status page is public: the 18-character application number (64 random bits) is what the
applicant holds, and the answer carries no personal data.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from api.http.auth import Guard, forbidden
from api.http.deps import Caller, Ctx, IdempotencyKey, MinPosition
from api.http.errors import PROBLEM_RESPONSES
from api.http.schemas.applications import (
    ApplicationQueue,
    ApplicationRequest,
    ApplicationStatus,
    DecisionRequest,
    RejectRequest,
)
from domain.errors import AlreadyMemberError
from domain.joining import Situation
from domain.personal import PersonalDetails
from projections.applications import pending_applications

router = APIRouter(tags=["applications"], responses=PROBLEM_RESPONSES)
AppNo = Annotated[str, Path(max_length=40, description="the application number, e.g. RH…")]


def _hide_union(caller: Guard, e: AlreadyMemberError) -> AlreadyMemberError:
    """R1 names the current union only to whoever may see it."""
    if caller.in_scope(e.details.get("union_code")):
        return e
    return AlreadyMemberError(e.message_zh, message_en=e.message_en, code=e.code, field=e.field,
                              rule=e.rule)


def _idempotent(ctx: Any, caller: Guard, request: Request, raw: str, key: str | None,
                run: Any) -> JSONResponse:
    fp = ctx.idempotency.fingerprint(request.method, request.url.path, raw, "")
    return ctx.idempotency.run(caller.principal.subject, key, fp, run)  # type: ignore[no-any-return]


@router.post("/applications", status_code=201, response_model=ApplicationStatus,
             summary="Submit an online application (by the worker's union system or platform)")
def submit(body: ApplicationRequest, ctx: Ctx, caller: Caller, request: Request,
           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    consent = body.consent
    if caller.role == "platform_integrator":
        if consent.given_by != "platform" or (
                consent.platform_employer_code or "").upper() != caller.principal.employer:
            raise forbidden("平台只能以本平台名义、经劳动者同意代为提交",
                            "an integrator submits only as its own platform, with consent")
    else:
        caller.require_union_write(ctx.reads.union(body.union_code)["code"])
    p, s = body.person, body.situation
    ledger = ctx.runtime.ledger

    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        no = f"RH{uuid.uuid4().hex[:16].upper()}"
        try:
            ledger.submit_application(
                details=PersonalDetails(name=p.name, resident_id=p.resident_id, phone=p.phone,
                                        address=p.address),
                union_code=body.union_code, worker_group=body.worker_group.value,
                situation=Situation(s.relation, employer_code=s.employer_code,
                                    using_unit_code=s.using_unit_code,
                                    work_region=s.work_region,
                                    residence_region=s.residence_region),
                consent=consent.model_dump(mode="json"), recorded_by=caller.principal.subject,
                application_no=no, campaign_id=body.campaign_id)
        except AlreadyMemberError as e:
            raise _hide_union(caller, e) from None
        return 201, ledger.application_status(no), {"Location": f"/applications/{no}"}

    return _idempotent(ctx, caller, request, body.model_dump_json(), idempotency_key, run)


@router.get("/applications/{application_no}", response_model=ApplicationStatus,
            summary="The applicant's status (public; no personal data)")
def status(application_no: AppNo, ctx: Ctx) -> dict[str, Any]:
    return ctx.runtime.ledger.application_status(application_no)  # type: ignore[no-any-return]


@router.get("/unions/{code}/applications", response_model=ApplicationQueue,
            summary="The union's review queue: pending applications, oldest first, with age")
def queue(code: Annotated[str, Path(max_length=40)], ctx: Ctx, caller: Caller,
          min_position: MinPosition = None) -> dict[str, Any]:
    union = ctx.reads.union(code)["code"]
    caller.require_union_read(union)
    ledger = ctx.runtime.ledger
    if ctx.reads.store is None:  # no projections: replay the applications (O(n))
        return {"union_code": union, "items": ledger.application_queue(union)}
    # an official who just decided expects the item gone: wait for the ledger's position
    ctx.reads.wait(min_position or ctx.reads.position())
    return {"union_code": union,
            "items": pending_applications(ctx.reads.store.db, union, ledger.today())}


@router.post("/applications/{application_no}/approve", response_model=ApplicationStatus,
             summary="Approve: joins the worker (re-checked now) atomically with the decision")
def approve(application_no: AppNo, body: DecisionRequest, ctx: Ctx, caller: Caller,
            request: Request, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ledger = ctx.runtime.ledger
    app = ledger.get_application(application_no)
    caller.require_union_write(app.union_code)

    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            r = ledger.approve_application(app.application_no, recorded_by=caller.principal.subject,
                                           effective_on=body.effective_on)
        except AlreadyMemberError as e:
            raise _hide_union(caller, e) from None
        return 200, ledger.application_status(app.application_no), {
            "Location": f"/memberships/{r.id}"}

    return _idempotent(ctx, caller, request, body.model_dump_json(), idempotency_key, run)


@router.post("/applications/{application_no}/reject", response_model=ApplicationStatus,
             summary="Reject with a reason (shown to the applicant)")
def reject(application_no: AppNo, body: RejectRequest, ctx: Ctx, caller: Caller,
           request: Request, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    ledger = ctx.runtime.ledger
    app = ledger.get_application(application_no)
    caller.require_union_write(app.union_code)

    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        ledger.reject_application(app.application_no, reason=body.reason,
                                  recorded_by=caller.principal.subject,
                                  effective_on=body.effective_on)
        return 200, ledger.application_status(app.application_no), {}

    return _idempotent(ctx, caller, request, body.model_dump_json(), idempotency_key, run)
