"""Unions and employers: establish, rename, reparent, dissolve; register, close; registry rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas.common import Code, Effective, Reason
from domain.enums import EmployerKind, UnionKind, UnionLevel


class EstablishUnionRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "81350203MC0000001A", "name": "中华街道工会", "kind": "township",
        "level": "township", "region_code": "350203001", "parent_code": "81350203MC0000000B",
        "approved_by": "81350203MC0000000B"}]})

    code: Code
    name: str = Field(min_length=1, max_length=100)
    kind: UnionKind
    level: UnionLevel
    region_code: str = Field(min_length=1, max_length=12, examples=["350203001"])
    parent_code: Code | None = None
    approved_by: Code | None = Field(default=None, description="must be the parent union (R9)")
    employer_code: Code | None = Field(default=None, description="enterprise unions: employer")
    effective_on: Effective = None


class RenameUnionRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["中华街道总工会"])
    reason: Reason | None = None
    effective_on: Effective = None


class ReparentUnionRequest(BaseModel):
    parent_code: Code
    reason: Reason | None = None
    effective_on: Effective = None


class DissolveUnionRequest(BaseModel):
    reason: Reason
    effective_on: Effective = None


class UnionResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    name: str
    kind: str | None = None
    level: str | None = None
    parent_code: str | None = None
    region_code: str | None = None
    employer_code: str | None = None
    dissolved: bool = False


class UnionListResponse(BaseModel):
    items: list[UnionResponse]
    next_cursor: str | None = None


class RegisterEmployerRequest(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=100, examples=["某同城配送平台（厦门）有限公司"])
    kind: EmployerKind
    region_code: str = Field(min_length=1, max_length=12, examples=["350203"])
    parent_code: Code | None = None
    effective_on: Effective = None


class CloseEmployerRequest(BaseModel):
    reason: Reason
    effective_on: Effective = None


class EmployerResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    name: str
    kind: str
    region_code: str
    parent_code: str | None = None
    union_code: str | None = None
    closed: bool = False


class CoveringUnionsResponse(BaseModel):
    """The employer's own union (R2) and the local unions at its location that catch its
    workers when it has none (arts. 4-6)."""

    employer_code: str
    own_union: UnionResponse | None
    local_unions: list[UnionResponse]


class CountsResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    union_code: str
    as_of: date | None = None
    self: dict[str, Any] = Field(default_factory=dict)
    subtree: dict[str, Any] = Field(default_factory=dict)
    children: list[dict[str, Any]] = Field(default_factory=list)
