"""Online application requests and responses (art. 8): the applicant's view has no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas.common import Code, Effective, Reason
from api.http.schemas.memberships import PersonIn, SituationIn
from domain.enums import WorkerGroup


class ConsentIn(BaseModel):
    given_by: Literal["worker", "platform"]
    platform_employer_code: Code | None = Field(
        default=None, description="required when the platform submits for the worker")
    consent_text: str = Field(min_length=1, max_length=2000,
                              description="the text the worker agreed to")
    consented_at: datetime


class ApplicationRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "person": {"name": "王芳", "resident_id": "35020319900101123X", "phone": "13800138000"},
        "union_code": "81350203MC0000001A", "worker_group": "food_delivery_rider",
        "situation": {"relation": "platform_self_employed", "work_region": "350203001001"},
        "consent": {"given_by": "worker", "consent_text": "本人自愿加入工会……",
                    "consented_at": "2026-11-20T09:30:00+08:00"}}]})

    person: PersonIn
    union_code: Code = Field(description="chosen from the eligible unions (POST /joining-paths)")
    worker_group: WorkerGroup
    situation: SituationIn
    consent: ConsentIn
    campaign_id: str | None = Field(default=None, max_length=64)


class ApplicationStatus(BaseModel):
    application_no: str
    status: Literal["submitted", "approved", "rejected"]
    status_zh: str
    union_code: str
    channel: str
    submitted_on: str
    decided_on: str | None = None
    reason: str | None = None


class QueuedApplication(ApplicationStatus):
    name_masked: str
    worker_group: str
    consent_given_by: str
    age_days: int


class ApplicationQueue(BaseModel):
    union_code: str
    items: list[QueuedApplication]


class DecisionRequest(BaseModel):
    effective_on: Effective = None


class RejectRequest(BaseModel):
    reason: Reason
    effective_on: Effective = None
