"""Small, realistic test data through the ledger's own commands: a union tree and workers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from domain.application import Ledger
from domain.enums import EmploymentRelation
from domain.joining import Situation
from domain.members import JoinRequest
from domain.personal import PersonalDetails
from domain.values import generate_credit_code, generate_resident_id

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def union_code(rng: random.Random, region: str, grassroots: bool = False) -> str:
    return generate_credit_code(
        rng, authority="8", org_type="1" if grassroots else "9", region_code=region[:6]
    )


def person(rng: random.Random, region: str = "350203") -> PersonalDetails:
    born = date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28))
    rid = generate_resident_id(
        rng, address_code=region[:6], birth_date=born, sex=rng.choice(["male", "female"])
    )
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    return PersonalDetails(name=name, resident_id=rid, phone=f"13{rng.randint(0, 999999999):09d}")


@dataclass
class Tree:
    """Codes of a small tree: ACFTU > province > city > county > 2 townships > village,
    plus a county industry federation, a platform employer with its enterprise union, and a
    second platform subsidiary without a union."""

    acftu: str = ""
    province: str = ""
    city: str = ""
    county: str = ""
    county2: str = ""
    township: str = ""
    township2: str = ""
    village: str = ""
    industry: str = ""
    platform: str = ""  # employer code
    platform_union: str = ""
    subsidiary: str = ""  # employer code, no union yet
    codes: dict[str, str] = field(default_factory=dict)


def build_tree(ledger: Ledger, seed: int = 7) -> Tree:
    rng = random.Random(seed)
    t = Tree()
    by = "builder"

    def est(attr: str, name: str, kind: str, level: str, region: str, parent: str | None,
            employer: str | None = None) -> str:
        code = union_code(rng, region if region != "110000" else "100000",
                          grassroots=kind == "enterprise")
        ledger.establish_union(code=code, name=name, kind=kind, level=level, region_code=region,
                               parent_code=parent, approved_by=parent, recorded_by=by,
                               employer_code=employer, effective_on=date(2020, 1, 1))
        setattr(t, attr, code)
        return code

    est("acftu", "中华全国总工会", "federation", "national", "110000", None)
    est("province", "福建省总工会", "federation", "province", "350000", t.acftu)
    est("city", "厦门市总工会", "federation", "city", "350200", t.province)
    est("county", "思明区总工会", "federation", "county", "350203", t.city)
    est("county2", "湖里区总工会", "federation", "county", "350206", t.city)
    est("township", "中华街道工会", "township", "township", "350203001", t.county)
    est("township2", "殿前街道工会", "township", "township", "350206001", t.county2)
    est("village", "中华社区工会", "village", "village", "350203001001", t.township)
    est("industry", "思明区快递行业工会联合会", "industry_federation", "county", "350203", t.county)
    t.platform = generate_credit_code(rng, region_code="350203")
    ledger.register_employer(code=t.platform, name="某同城配送平台（厦门）有限公司",
                             kind="platform_subsidiary", region_code="350203", recorded_by=by,
                             effective_on=date(2020, 1, 1))
    est("platform_union", "某同城配送平台（厦门）有限公司工会", "enterprise", "grassroots",
        "350203", t.county, employer=t.platform)
    t.subsidiary = generate_credit_code(rng, region_code="350206")
    ledger.register_employer(code=t.subsidiary, name="某货运平台湖里分公司",
                             kind="platform_branch", region_code="350206", recorded_by=by,
                             effective_on=date(2020, 1, 1))
    return t


def self_employed(region: str = "350203001001") -> Situation:
    return Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED, work_region=region)


def join_request(details: PersonalDetails, union: str, *, situation: Situation | None = None,
                 group: str = "courier", channel: str = "online",
                 effective_on: date | str | None = None) -> JoinRequest:
    return JoinRequest(details=details, union_code=union, worker_group=group, channel=channel,
                       situation=situation or self_employed(), recorded_by="official-1",
                       effective_on=effective_on)
