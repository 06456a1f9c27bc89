"""/joining-paths: a worker's situation → the unions that may take them, each with the article
(policy arts. 4-6), enumerated from the union registry by the domain's own rule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.http.deps import Caller, Ctx, MinPosition
from api.http.errors import PROBLEM_RESPONSES
from api.http.schemas.memberships import SituationIn
from domain.joining import Situation, candidate_regions, eligible_unions, required_parties
from domain.values import parse_region_code

router = APIRouter(prefix="/joining-paths", tags=["joining paths"], responses=PROBLEM_RESPONSES)


class JoiningPathRequest(BaseModel):
    situation: SituationIn


class EligibleUnion(BaseModel):
    union_code: str
    union_name: str
    rule: str
    article: str
    reason_zh: str


class JoiningPathResponse(BaseModel):
    items: list[EligibleUnion]
    next_cursor: str | None = None


@router.post("", response_model=JoiningPathResponse,
             summary="Which unions may this worker join, and under which article")
def joining_paths(body: JoiningPathRequest, ctx: Ctx, caller: Caller,
                  min_position: MinPosition = None) -> dict[str, Any]:
    caller.require_role("national_admin", "union_official", "auditor")
    ctx.reads.wait(min_position)
    s = body.situation
    situation = Situation(
        s.relation, employer_code=s.employer_code, using_unit_code=s.using_unit_code,
        work_region=parse_region_code(s.work_region, field="situation.work_region")
        if s.work_region else None,
        residence_region=parse_region_code(s.residence_region, field="situation.residence_region")
        if s.residence_region else None)
    required_parties(situation)
    ledger = ctx.runtime.ledger
    employer = (ledger.get_employer(s.employer_code, field="situation.employer_code").info()
                if s.employer_code else None)
    using = (ledger.get_employer(s.using_unit_code, field="situation.using_unit_code").info()
             if s.using_unit_code else None)
    store = ctx.reads.need_store()
    candidates = []
    for region in candidate_regions(situation, employer, using):
        candidates.extend(store.unions_covering(region))
    for e in (employer, using):
        if e is not None and e.union_code:
            candidates.append(ledger.get_union(e.union_code).info())
    names: dict[str, str] = {}
    out = []
    for el in eligible_unions(situation, candidates, employer, using):
        names.setdefault(el.union_code, ctx.reads.union(el.union_code)["name"])
        out.append({"union_code": el.union_code, "union_name": names[el.union_code],
                    "rule": el.rule, "article": el.article, "reason_zh": el.reason_zh})
    return {"items": out, "next_cursor": None}
