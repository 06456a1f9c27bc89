"""Auditor endpoints: a union's history and roster changes, and audit reports (XLSX / HTML) for
a membership or a union and a period. Auditors, national admins and in-scope officials only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from api.audit_report import AuditReport, Viewer, membership_report, render_html, union_report
from api.audit_report_xlsx import report_xlsx
from api.audit_roster import union_roster_changes
from api.http.auth import Guard
from api.http.deps import Caller, Ctx, Purpose
from api.http.errors import PROBLEM_RESPONSES
from api.http.paging import Cursor, Limit, page
from domain.history import check_period, union_history

router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)
UnionCode = Annotated[str, Path(max_length=40, description="the union's credit code")]
MemberId = Annotated[str, Path(max_length=64, description="the membership id")]
From = Annotated[date | None, Query(alias="from", description="first effective date")]
To = Annotated[date | None, Query(alias="to", description="last effective date (inclusive)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnionHistoryEntry(BaseModel):
    version: int
    type: str = Field(examples=["Reparented"])
    label_zh: str = Field(examples=["调整上级工会"])
    effective_on: date | None
    recorded_at: datetime
    recorded_by: str | None
    reason: str | None
    state: dict[str, Any] = Field(description="name, parent_code, dissolved afterwards")
    details: dict[str, Any] = Field(default_factory=dict)


class UnionHistoryResponse(BaseModel):
    union_code: str
    items: list[UnionHistoryEntry]


class RosterChangeOut(BaseModel):
    member_id: str
    change: str = Field(examples=["transferred_out"])
    label_zh: str = Field(examples=["转出"])
    effective_on: date
    recorded_at: datetime
    recorded_by: str
    reason: str | None
    other_union: str | None = Field(description="the other end of a transfer or an R8 hold")
    version: int


class RosterChangesResponse(BaseModel):
    union_code: str
    from_: date | None = Field(alias="from")
    to: date | None
    source: str = Field(description="membership_periods (narrowed) or events (full replay)")
    items: list[RosterChangeOut]
    next_cursor: str | None = None


def _union_read(ctx: Ctx, caller: Guard, code: str) -> str:
    union = ctx.runtime.ledger.get_union(code, field="code")
    caller.require_union_read(union.code)
    return union.code


@router.get("/unions/{code}/history", response_model=UnionHistoryResponse,
            summary="A union's establishment, renames, reparenting and dissolution")
def history(code: UnionCode, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    code = _union_read(ctx, caller, code)
    union = ctx.runtime.ledger.get_union(code, field="code")
    items = [e.as_dict() for e in union_history(ctx.runtime.ledger.events.get(union.id))]
    return {"union_code": code, "items": items}


@router.get("/unions/{code}/roster-changes", response_model=RosterChangesResponse,
            response_model_by_alias=True,
            summary="Joins, transfers, retentions, withdrawals, expulsions between two dates")
def roster_changes(code: UnionCode, ctx: Ctx, caller: Caller, start: From = None,
                   end: To = None, cursor: Cursor = None, limit: Limit = 100) -> dict[str, Any]:
    code = _union_read(ctx, caller, code)
    check_period(start, end)
    changes, source = union_roster_changes(ctx.runtime.ledger, code, start, end,
                                           ctx.reads.store)
    items, nxt = page([c.as_dict() for c in changes], cursor, limit)
    return {"union_code": code, "from": start, "to": end, "source": source, "items": items,
            "next_cursor": nxt}


def _viewer(caller: Guard, purpose: str | None, endpoint: str) -> Viewer:
    return Viewer(subject=caller.principal.subject, role=caller.role,
                  personal_data=caller.principal.personal_data, purpose=purpose,
                  endpoint=endpoint)


def _send(report: AuditReport, fmt: str, name: str) -> Response:
    disposition = f"filename*=UTF-8''{quote(name)}.{fmt}"
    if fmt == "html":
        return HTMLResponse(render_html(report), headers={
            "Content-Disposition": f"inline; {disposition}"})
    return Response(report_xlsx(report), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; {disposition}"})


def _membership(ctx: Ctx, caller: Guard, member_id: str, purpose: str | None,
                fmt: str) -> Response:
    m = ctx.runtime.ledger.get_membership(member_id)
    caller.member_visible(m.union_id, m.destination_union_id, m.delegated_to)
    viewer = _viewer(caller, purpose, f"GET /audit/reports/membership/{{member_id}}.{fmt}")
    return _send(membership_report(ctx.runtime, str(m.id), viewer), fmt, f"audit-{m.id}")


def _union(ctx: Ctx, caller: Guard, code: str, start: date | None, end: date | None,
           purpose: str | None, fmt: str) -> Response:
    code = _union_read(ctx, caller, code)
    check_period(start, end)
    viewer = _viewer(caller, purpose, f"GET /audit/reports/union/{{code}}.{fmt}")
    report = union_report(ctx.runtime, code, viewer, start, end, store=ctx.reads.store)
    return _send(report, fmt, f"audit-{code}")


@router.get("/audit/reports/membership/{member_id}.xlsx", response_class=Response,
            summary="Audit report of a membership (XLSX)")
def membership_xlsx(member_id: MemberId, ctx: Ctx, caller: Caller,
                    purpose: Purpose = None) -> Response:
    return _membership(ctx, caller, member_id, purpose, "xlsx")


@router.get("/audit/reports/membership/{member_id}.html", response_class=HTMLResponse,
            summary="Audit report of a membership (printable HTML)")
def membership_html(member_id: MemberId, ctx: Ctx, caller: Caller,
                    purpose: Purpose = None) -> Response:
    return _membership(ctx, caller, member_id, purpose, "html")


@router.get("/audit/reports/union/{code}.xlsx", response_class=Response,
            summary="Audit report of a union and a period (XLSX)")
def union_xlsx(code: UnionCode, ctx: Ctx, caller: Caller, start: From = None, end: To = None,
               purpose: Purpose = None) -> Response:
    return _union(ctx, caller, code, start, end, purpose, "xlsx")


@router.get("/audit/reports/union/{code}.html", response_class=HTMLResponse,
            summary="Audit report of a union and a period (printable HTML)")
def union_html(code: UnionCode, ctx: Ctx, caller: Caller, start: From = None, end: To = None,
               purpose: Purpose = None) -> Response:
    return _union(ctx, caller, code, start, end, purpose, "html")
