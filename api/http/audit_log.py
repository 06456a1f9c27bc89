"""/audit/access-log: who read which member's unmasked personal data, when, where and why."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.http.deps import Caller, Ctx
from api.http.errors import PROBLEM_RESPONSES
from api.http.paging import Cursor, Limit, decode, encode

router = APIRouter(prefix="/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


class AccessLogEntry(BaseModel):
    id: int
    at: str
    subject: str
    role: str
    member_id: str
    union_code: str | None
    endpoint: str
    purpose: str | None


class AccessLogResponse(BaseModel):
    items: list[AccessLogEntry]
    next_cursor: str | None = None


@router.get("/access-log", response_model=AccessLogResponse,
            summary="Unmasked personal-data reads (auditors; filter by member)")
def access_log(ctx: Ctx, caller: Caller,
               member_id: Annotated[str | None, Query(max_length=64)] = None,
               cursor: Cursor = None, limit: Limit = 50) -> dict[str, Any]:
    caller.require_role("national_admin", "auditor")
    after = decode(cursor)
    items: list[dict[str, Any]] = []
    # filter by scope in pages: an auditor sees reads of members of their own subtree only
    while len(items) < limit:
        rows = ctx.access_log.page(member_id=member_id, after=after, limit=limit)
        if not rows:
            after = -1
            break
        for r in rows:
            after = r["id"]
            if caller.in_scope(r["union_code"]):
                items.append(r)
                if len(items) == limit:
                    break
    return {"items": items, "next_cursor": encode(after) if after >= 0 and items else None}
