"""Joining paths (policy arts. 4-6; DESIGN R2-R4): which unions may take a worker, and why.

Pure functions over plain records, so the write side (checking one union) and the read side
(enumerating candidates from the union registry) share one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.enums import (
    FALLBACK_KINDS,
    PLATFORM_RELATED_KINDS,
    EmployerKind,
    EmploymentRelation,
    UnionKind,
)
from domain.errors import ValidationError
from domain.frozen import quick_init
from domain.values.region import region_covers


@quick_init
@dataclass(frozen=True)
class Situation:
    """A worker's employment situation, as stated when joining."""

    relation: EmploymentRelation
    employer_code: str | None = None  # employer, platform, or (dispatched) dispatch agency
    using_unit_code: str | None = None  # dispatched: the using unit (用工单位)
    work_region: str | None = None
    residence_region: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "relation": self.relation.value,
            "employer_code": self.employer_code,
            "using_unit_code": self.using_unit_code,
            "work_region": self.work_region,
            "residence_region": self.residence_region,
        }

    @classmethod
    def from_dict(cls, d: dict[str, str | None]) -> Situation:
        return cls(
            relation=EmploymentRelation(str(d["relation"])),
            employer_code=d.get("employer_code"),
            using_unit_code=d.get("using_unit_code"),
            work_region=d.get("work_region"),
            residence_region=d.get("residence_region"),
        )


@dataclass(frozen=True)
class UnionInfo:
    code: str
    name: str
    kind: UnionKind
    region_code: str
    employer_code: str | None = None
    dissolved: bool = False


@dataclass(frozen=True)
class EmployerInfo:
    code: str
    name: str
    kind: EmployerKind
    region_code: str
    union_code: str | None = None  # its own active union, if it has one
    closed: bool = False


@quick_init
@dataclass(frozen=True)
class Eligibility:
    union_code: str
    rule: str  # "R2" / "R3" / "R4"
    article: str  # the policy article that allows it
    reason_zh: str


ART4 = "总工办发〔2021〕16号 第（四）条"
ART5 = "总工办发〔2021〕16号 第（五）条"
ART6 = "总工办发〔2021〕16号 第（六）条；总工发〔2009〕21号"


def _local(union: UnionInfo, regions: Iterable[str | None]) -> bool:
    return union.kind in FALLBACK_KINDS and any(
        r is not None and region_covers(union.region_code, r) for r in regions
    )


def required_parties(situation: Situation) -> None:
    """Refuses a situation that lacks what its article needs (field named)."""
    rel = situation.relation
    if rel in (EmploymentRelation.LABOUR_CONTRACT, EmploymentRelation.DISPATCHED):
        if not situation.employer_code:
            raise ValidationError(
                "建立劳动关系或劳务派遣的劳动者须填写用人单位（派遣单位）统一社会信用代码",
                message_en="employer_code is required for labour-contract and dispatched workers",
                code="situation.employer_required",
                field="situation.employer_code",
                rule="R2" if rel is EmploymentRelation.LABOUR_CONTRACT else "R4",
            )
    elif not (situation.work_region or situation.residence_region or situation.employer_code):
        raise ValidationError(
            "未建立完全劳动关系的劳动者须填写工作地或居住地区划代码（或所依托平台）",
            message_en="work_region or residence_region (or the platform) is required",
            code="situation.region_required",
            field="situation.work_region",
            rule="R3",
        )


def basis_for(
    situation: Situation,
    union: UnionInfo,
    employer: EmployerInfo | None,
    using_unit: EmployerInfo | None = None,
) -> Eligibility | None:
    """Why `union` may take this worker, or None if no rule allows it."""
    if union.dissolved:
        return None
    rel = situation.relation
    if rel is EmploymentRelation.LABOUR_CONTRACT:
        if employer is None:
            return None
        if employer.union_code:
            if union.code == employer.union_code:
                return Eligibility(union.code, "R2", ART4, "用人单位已建立工会，应加入用人单位工会")
            return None
        if _local(union, [employer.region_code]):
            return Eligibility(
                union.code, "R2", ART4, "用人单位未建工会，可加入用人单位所在地的兜底工会"
            )
        return None
    if rel is EmploymentRelation.DISPATCHED:
        if employer is not None and employer.union_code:
            if union.code == employer.union_code:
                return Eligibility(
                    union.code, "R4", ART6, "劳务派遣单位已建工会，应加入派遣单位工会"
                )
            return None
        if using_unit is not None and using_unit.union_code:
            if union.code == using_unit.union_code:
                return Eligibility(
                    union.code, "R4", ART6, "派遣单位未建工会，加入用工单位工会"
                )
            return None
        places = [e.region_code for e in (employer, using_unit) if e is not None]
        if _local(union, places):
            return Eligibility(
                union.code, "R4", ART6, "派遣单位、用工单位均未建工会，可加入其所在地的兜底工会"
            )
        return None
    # art. 5: not a full labour relationship, or self-employed on a platform
    if _local(union, [situation.work_region, situation.residence_region]):
        return Eligibility(union.code, "R3", ART5, "可加入工作地或居住地的兜底工会")
    if (
        employer is not None
        and employer.kind in PLATFORM_RELATED_KINDS
        and union.employer_code == employer.code
    ):
        return Eligibility(union.code, "R3", ART5, "平台企业、挂靠企业等关联企业工会可吸纳入会")
    return None


def transfer_due(
    situation: Situation,
    current_union_code: str,
    employer: EmployerInfo | None,
    using_unit: EmployerInfo | None = None,
) -> str | None:
    """The union a member must now move to, or None (R2: the employer has since established
    a union; R4: the agency's, else the using unit's). Art. 5 workers choose freely."""
    rel = situation.relation
    if rel is EmploymentRelation.LABOUR_CONTRACT:
        owed = [employer]
    elif rel is EmploymentRelation.DISPATCHED:
        owed = [employer, using_unit]
    else:
        return None
    for party in owed:
        if party is not None and party.union_code and not party.closed:
            return None if party.union_code == current_union_code else party.union_code
    return None


def candidate_regions(
    situation: Situation, employer: EmployerInfo | None, using_unit: EmployerInfo | None
) -> list[str]:
    """The places whose local unions may be eligible (for enumerating candidates)."""
    if situation.relation in (EmploymentRelation.LABOUR_CONTRACT, EmploymentRelation.DISPATCHED):
        return [e.region_code for e in (employer, using_unit) if e is not None]
    return [r for r in (situation.work_region, situation.residence_region) if r]


def eligible_unions(
    situation: Situation,
    candidates: Iterable[UnionInfo],
    employer: EmployerInfo | None,
    using_unit: EmployerInfo | None = None,
) -> list[Eligibility]:
    """Every candidate union that a rule allows, each with its article, de-duplicated."""
    seen: set[str] = set()
    out: list[Eligibility] = []
    for union in candidates:
        if union.code in seen:
            continue
        basis = basis_for(situation, union, employer, using_unit)
        if basis is not None:
            seen.add(union.code)
            out.append(basis)
    return out
