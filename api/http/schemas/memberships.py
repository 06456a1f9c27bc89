"""Membership requests and responses: join, lookup, check, life-cycle changes, current, history.

Personal details travel only in bodies (never in URLs) and come back masked unless the token
carries the personal_data permission.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas.common import Code, Effective, Reason
from domain.enums import Channel, EmploymentRelation, WorkerGroup

ResidentIdField = Field(min_length=1, max_length=32, examples=["35020319900101123X"])


class PersonIn(BaseModel):
    name: str = Field(min_length=1, max_length=50, examples=["王芳"])
    resident_id: str = ResidentIdField
    phone: str | None = Field(default=None, max_length=20, examples=["13800138000"])
    address: str | None = Field(default=None, max_length=200)


class SituationIn(BaseModel):
    relation: EmploymentRelation
    employer_code: Code | None = None
    using_unit_code: Code | None = None
    work_region: str | None = Field(default=None, max_length=12, examples=["350203001001"])
    residence_region: str | None = Field(default=None, max_length=12)


class JoinRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "person": {"name": "王芳", "resident_id": "35020319900101123X"},
        "union_code": "81350203MC0000001A", "worker_group": "courier", "channel": "online",
        "situation": {"relation": "platform_self_employed", "work_region": "350203001001"}}]})

    person: PersonIn
    union_code: Code
    worker_group: WorkerGroup
    channel: Channel
    situation: SituationIn
    effective_on: Effective = None
    override_by: Code | None = Field(default=None, description="higher union's special approval")
    override_reason: Reason | None = None
    campaign_id: str | None = Field(default=None, max_length=64)


class ResidentIdRequest(BaseModel):
    resident_id: str = ResidentIdField


class LookupResponse(BaseModel):
    member_id: str


class CheckResponse(BaseModel):
    member: bool
    union_name: str | None = None


class TransferOutRequest(BaseModel):
    destination_code: Code
    reason: Reason
    effective_on: Effective = None


class TransferInRequest(BaseModel):
    union_code: Code = Field(description="the destination named at transfer-out")
    effective_on: Effective = None


class ReasonRequest(BaseModel):
    reason: Reason
    effective_on: Effective = None


class OptionalReasonRequest(BaseModel):
    reason: Reason | None = None
    effective_on: Effective = None


class RetainRequest(BaseModel):
    cause: Literal["retirement", "unemployment"]
    reason: Reason | None = None
    effective_on: Effective = None


class WithdrawRequest(BaseModel):
    automatic: bool = Field(default=False, description="R7: 6 months without dues, counselled")
    reason: Reason | None = None
    effective_on: Effective = None


class CorrectDetailsRequest(BaseModel):
    reason: Reason
    person: PersonIn | None = None
    worker_group: WorkerGroup | None = None
    effective_on: Effective = None


class EraseRequest(BaseModel):
    reason: Reason


class PersonOut(BaseModel):
    masked: bool
    erased: bool = False
    name: str | None = None
    resident_id: str | None = None
    phone: str | None = None
    address: str | None = None


class MembershipResponse(BaseModel):
    member_id: str
    version: int
    status: str
    union_code: str
    destination_union_code: str | None = None
    delegated_to: str | None = None
    worker_group: str
    channel: str
    joined_on: date
    since: date
    employment: dict[str, Any]
    person: PersonOut
    as_of: date | None = None


class HistoryEntry(BaseModel):
    version: int
    type: str = Field(examples=["TransferredOut"])
    label_zh: str | None = Field(default=None, examples=["转出"])
    effective_on: date | None
    recorded_at: datetime
    recorded_by: str | None
    reason: str | None
    union_code: str | None = Field(description="the union holding the membership afterwards")
    status: str | None = Field(description="the status afterwards")
    details: dict[str, Any] = Field(default_factory=dict)


class HistoryResponse(BaseModel):
    member_id: str
    items: list[HistoryEntry]
    next_cursor: str | None = None


class RosterResponse(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class InboxResponse(BaseModel):
    union_code: str
    items: list[dict[str, Any]]
    next_cursor: str | None = None
