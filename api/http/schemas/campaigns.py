"""Request and response shapes of /campaigns (入会集中行动, art. 14)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas.common import Code, Effective
from domain.enums import WorkerGroup

Target = Annotated[int, Field(ge=0, le=10_000_000)]


class LaunchCampaignRequest(BaseModel):
    campaign_id: str = Field(min_length=3, max_length=40, examples=["XM-2026-11"])
    name: str = Field(min_length=1, max_length=100, examples=["思明区新就业形态劳动者入会集中行动"])
    organiser_code: Code
    region_code: str = Field(min_length=6, max_length=12, examples=["350203"],
                             description="scope: joins to unions in this region; 000000 = all")
    period_from: date
    period_to: date
    targets: dict[WorkerGroup, Target] = Field(
        default_factory=dict, description="members to recruit per worker group",
        examples=[{"courier": 300, "food_delivery_rider": 500}])
    effective_on: Effective = None


class CloseCampaignRequest(BaseModel):
    reason: str | None = Field(default=None, max_length=500)
    effective_on: Effective = None


class CampaignResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    campaign_id: str
    name: str
    organiser_code: str
    region_code: str
    period_from: date
    period_to: date
    targets: dict[str, int]
    closed: bool


class CampaignListResponse(BaseModel):
    items: list[CampaignResponse]


class GroupProgress(BaseModel):
    worker_group: str
    target: int
    joined: int


class RegionProgress(BaseModel):
    region_code: str
    worker_group: str
    joined: int


class CampaignProgressResponse(CampaignResponse):
    groups: list[GroupProgress]
    regions: list[RegionProgress]
    total: dict[str, Any]
