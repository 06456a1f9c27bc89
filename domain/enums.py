"""Closed vocabularies of the policy: statuses, worker groups, channels, union and employer kinds.

Events store the `.value` (a plain str): the library's transcoder returns str-Enums as str.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from domain.errors import ValidationError

E = TypeVar("E", bound=StrEnum)


class Status(StrEnum):
    ACTIVE = "active"
    IN_TRANSIT = "in_transit"
    RETAINED = "retained"
    WITHDRAWN = "withdrawn"
    EXPELLED = "expelled"


STATUS_ZH = {
    Status.ACTIVE: "在册",
    Status.IN_TRANSIT: "接转中",
    Status.RETAINED: "保留会籍",
    Status.WITHDRAWN: "已退会",
    Status.EXPELLED: "已开除",
}

#: statuses that block a second join (R1)
HOLDING_STATUSES = frozenset({Status.ACTIVE, Status.IN_TRANSIT, Status.RETAINED})


class WorkerGroup(StrEnum):
    TRUCK_DRIVER = "truck_driver"
    RIDE_HAILING_DRIVER = "ride_hailing_driver"
    COURIER = "courier"
    FOOD_DELIVERY_RIDER = "food_delivery_rider"
    DOMESTIC_WORKER = "domestic_worker"
    OTHER = "other"


WORKER_GROUP_ZH = {
    WorkerGroup.TRUCK_DRIVER: "货车司机",
    WorkerGroup.RIDE_HAILING_DRIVER: "网约车司机",
    WorkerGroup.COURIER: "快递员",
    WorkerGroup.FOOD_DELIVERY_RIDER: "外卖配送员",
    WorkerGroup.DOMESTIC_WORKER: "家政服务员",
    WorkerGroup.OTHER: "其他",
}

KEY_GROUPS = (
    WorkerGroup.TRUCK_DRIVER,
    WorkerGroup.RIDE_HAILING_DRIVER,
    WorkerGroup.COURIER,
    WorkerGroup.FOOD_DELIVERY_RIDER,
)


class Channel(StrEnum):
    ONLINE = "online"
    COLLECTIVE = "collective_registration"
    MOBILE_WINDOW = "mobile_window"
    ONSITE_MEETING = "onsite_meeting"
    CEREMONY = "ceremony"
    VIA_PLATFORM = "via_platform"
    UNION_OFFICE = "union_office"


CHANNEL_ZH = {
    Channel.ONLINE: "网上入会",
    Channel.COLLECTIVE: "集体登记入会",
    Channel.MOBILE_WINDOW: "流动窗口入会",
    Channel.ONSITE_MEETING: "职工沟通会现场入会",
    Channel.CEREMONY: "集中入会仪式",
    Channel.VIA_PLATFORM: "平台企业代办",
    Channel.UNION_OFFICE: "工会窗口办理",
}


class EmploymentRelation(StrEnum):
    """How the worker works (policy arts. 4-6)."""

    LABOUR_CONTRACT = "labour_contract"  # art. 4
    NOT_FULL_LABOUR_RELATION = "not_full_labour_relation"  # art. 5
    PLATFORM_SELF_EMPLOYED = "platform_self_employed"  # art. 5
    DISPATCHED = "dispatched"  # art. 6


RELATION_ZH = {
    EmploymentRelation.LABOUR_CONTRACT: "建立劳动关系",
    EmploymentRelation.NOT_FULL_LABOUR_RELATION: "不完全符合确立劳动关系情形",
    EmploymentRelation.PLATFORM_SELF_EMPLOYED: "依托平台自主经营",
    EmploymentRelation.DISPATCHED: "劳务派遣",
}


class UnionLevel(StrEnum):
    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GRASSROOTS = "grassroots"


LEVEL_ZH = {
    UnionLevel.NATIONAL: "全国",
    UnionLevel.PROVINCE: "省级",
    UnionLevel.CITY: "市级",
    UnionLevel.COUNTY: "县级",
    UnionLevel.TOWNSHIP: "乡镇(街道)级",
    UnionLevel.VILLAGE: "村(社区)级",
    UnionLevel.GRASSROOTS: "基层",
}


class UnionKind(StrEnum):
    FEDERATION = "federation"  # 总工会 (ACFTU, province, city, county)
    INDUSTRY_FEDERATION = "industry_federation"  # 行业工会联合会
    REGIONAL = "regional"  # 区域工会
    JOINT = "joint"  # 联合工会
    GRASSROOTS_FEDERATION = "grassroots_federation"  # 基层工会联合会
    TOWNSHIP = "township"  # 乡镇(街道)工会
    VILLAGE = "village"  # 村(社区)工会
    DEVELOPMENT_ZONE = "development_zone"  # 开发区(工业园区)工会
    ENTERPRISE = "enterprise"  # 企业(用人单位)工会


UNION_KIND_ZH = {
    UnionKind.FEDERATION: "总工会",
    UnionKind.INDUSTRY_FEDERATION: "行业工会联合会",
    UnionKind.REGIONAL: "区域工会",
    UnionKind.JOINT: "联合工会",
    UnionKind.GRASSROOTS_FEDERATION: "基层工会联合会",
    UnionKind.TOWNSHIP: "乡镇(街道)工会",
    UnionKind.VILLAGE: "村(社区)工会",
    UnionKind.DEVELOPMENT_ZONE: "开发区(工业园区)工会",
    UnionKind.ENTERPRISE: "企业工会",
}

#: the local unions that "catch" workers whose employer has no union (arts. 4-6)
FALLBACK_KINDS = frozenset(
    {
        UnionKind.TOWNSHIP,
        UnionKind.VILLAGE,
        UnionKind.DEVELOPMENT_ZONE,
        UnionKind.REGIONAL,
        UnionKind.INDUSTRY_FEDERATION,
        UnionKind.JOINT,
        UnionKind.GRASSROOTS_FEDERATION,
    }
)


class EmployerKind(StrEnum):
    PLATFORM_HQ = "platform_hq"
    PLATFORM_SUBSIDIARY = "platform_subsidiary"
    PLATFORM_BRANCH = "platform_branch"
    AFFILIATION_COMPANY = "affiliation_company"  # 货运挂靠企业
    EXPRESS_FRANCHISE = "express_franchise"  # 快递加盟企业
    DELIVERY_AGENT = "delivery_agent"  # 外卖配送代理商
    DISPATCH_AGENCY = "dispatch_agency"  # 劳务派遣公司
    OTHER = "other"


EMPLOYER_KIND_ZH = {
    EmployerKind.PLATFORM_HQ: "平台企业总部",
    EmployerKind.PLATFORM_SUBSIDIARY: "平台企业子公司",
    EmployerKind.PLATFORM_BRANCH: "平台企业分公司",
    EmployerKind.AFFILIATION_COMPANY: "货运挂靠企业",
    EmployerKind.EXPRESS_FRANCHISE: "快递加盟企业",
    EmployerKind.DELIVERY_AGENT: "外卖配送代理商",
    EmployerKind.DISPATCH_AGENCY: "劳务派遣公司",
    EmployerKind.OTHER: "其他用人单位",
}

#: platform enterprises and their related enterprises whose unions may take art. 5 workers
PLATFORM_RELATED_KINDS = frozenset(
    {
        EmployerKind.PLATFORM_HQ,
        EmployerKind.PLATFORM_SUBSIDIARY,
        EmployerKind.PLATFORM_BRANCH,
        EmployerKind.AFFILIATION_COMPANY,
        EmployerKind.EXPRESS_FRANCHISE,
        EmployerKind.DELIVERY_AGENT,
    }
)


def parse_enum(enum: type[E], value: str, field: str) -> E:
    """Turn user input into an enum member or raise a ValidationError naming the field."""
    try:  # what enum(value) looks up first (a bulk import parses two enums per row)
        member = enum._value2member_map_.get(value)
    except TypeError:  # unhashable: let the enum say so
        member = None
    if member is not None:
        return member  # type: ignore[return-value]
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationError(
            f"字段 {field} 的取值「{value}」无效，可选值：{allowed}",
            message_en=f"{field} must be one of: {allowed}",
            code="invalid_choice",
            field=field,
        ) from None
