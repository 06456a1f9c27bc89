"""The national union tree and platform employers, established through the ledger's commands.

ACFTU → 31 provinces → cities → counties → townships → villages (real code structure: 6-digit
counties, 9-digit townships, 12-digit villages), industry federations, development zones, joint
and regional unions, and eight platform enterprises with subsidiaries, branches and agents.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from api.demo_tree import ACTOR, FOUNDED, TreeBuilder, World
from api.national_batch import UnitOfWork
from api.national_geo import (
    BELOW_ZH,
    CITY_INDUSTRY,
    COUNTY_INDUSTRY,
    PLATFORMS,
    PROVINCES,
    TOWN_SUFFIX,
    UNION_SHARE,
    VILLAGE_WORDS,
    Shape,
    place_name,
)
from domain.enums import EmployerKind
from domain.joining import EmployerInfo


@dataclass
class NationalWorld(World):
    """The demo's World plus the groupings the national worker generator needs."""

    provinces: dict[str, str] = field(default_factory=dict)  # 2-digit prefix → province union
    counties: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # by prov
    county_villages: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # (worker group, province prefix) → employer codes whose workers are of that group
    group_employers: dict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list))
    agencies: dict[str, str] = field(default_factory=dict)  # province → dispatch agency
    using_units: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


class NationalTreeBuilder(TreeBuilder):
    """Builds the tree inside a unit of work: one save per `uow.size` aggregates."""

    def __init__(self, ledger: object, rng: random.Random, world: NationalWorld,
                 uow: UnitOfWork, tick: Callable[[], None] = lambda: None) -> None:
        super().__init__(ledger, rng, world)  # type: ignore[arg-type]
        self.world: NationalWorld = world
        self.uow, self.tick = uow, tick
        self.names = 0

    def union(self, *args: object, **kwargs: object) -> str:
        code = super().union(*args, **kwargs)  # type: ignore[arg-type]
        self.uow.maybe_flush()
        self.tick()
        return code

    def _place(self) -> str:
        self.names += 1
        return place_name(self.names)

    def build_national(self, shape: Shape) -> str:
        acftu = self.union("中华全国总工会", "federation", "national", "110000", None)
        for pp, prov_name in PROVINCES:
            prov = self.union(f"{prov_name}总工会", "federation", "province", f"{pp}0000", acftu)
            self.world.provinces[pp] = prov
            for c in range(shape.cities):
                self._national_city(prov, pp, c, shape)
        self._platforms()
        return acftu

    def _national_city(self, prov: str, pp: str, c: int, shape: Shape) -> None:
        city_code = f"{pp}{c + 1:02d}00"
        city_name = self._place() + "市"
        city = self.union(f"{city_name}总工会", "federation", "city", city_code, prov)
        for suffix, _group in CITY_INDUSTRY:
            self.union(f"{city_name}{suffix}", "industry_federation", "city", city_code, city)
        self.union(f"{city_name}高新技术产业开发区工会", "development_zone", "county",
                   f"{pp}{c + 1:02d}71", city)
        for k in range(shape.counties):
            county_code = f"{pp}{c + 1:02d}{k + 1:02d}"
            county_name = self._place() + ("区" if k % 2 == 0 else "县")
            county = self.union(f"{county_name}总工会", "federation", "county", county_code,
                                city)
            self.world.county_federation[county_code] = county
            self.world.counties[pp].append(county_code)
            self.union(f"{city_name}{county_name}{COUNTY_INDUSTRY[k % 2]}",
                       "industry_federation", "county", county_code, county)
            for t in range(shape.townships):
                town_code = f"{county_code}{t + 1:03d}"
                town_name = self._place() + TOWN_SUFFIX[t % len(TOWN_SUFFIX)]
                town = self.union(f"{county_name}{town_name}工会", "township", "township",
                                  town_code, county)
                self.world.townships[county_code].append(town_code)
                if t == 0:
                    self.union(f"{town_name}新就业形态劳动者联合工会", "joint", "township",
                               town_code, town)
                if t == 1 and k == 0:
                    self.union(f"{town_name}商圈区域工会", "regional", "township", town_code,
                               town)
                    self.union(f"{town_name}小微企业基层工会联合会", "grassroots_federation",
                               "township", town_code, town)
                rural = town_name.endswith(("镇", "乡"))
                for v in range(shape.villages):
                    village_code = f"{town_code}{v + 1:03d}"
                    word = VILLAGE_WORDS[(k * 7 + t * 3 + v) % len(VILLAGE_WORDS)]
                    self.union(f"{town_name}{word}{'村' if rural else '社区'}工会", "village",
                               "village", village_code, town)
                    self.world.villages.append(village_code)
                    self.world.county_villages[county_code].append(village_code)

    # -- employers -------------------------------------------------------------------

    def employer(self, name: str, kind: str, county: str, parent: str | None) -> str:
        w = self.world
        region = self.rng.choice(w.townships[county])
        code = w.new_code(self.rng, county, union=False, grassroots=False)
        self.ledger.register_employer(code=code, name=name, kind=kind, region_code=region,
                                      recorded_by=ACTOR, parent_code=parent, effective_on=FOUNDED)
        w.employers[code] = EmployerInfo(code, name, EmployerKind(kind), region)
        w.employer_parent[code] = parent
        w.employer_keys[code] = code
        self.uow.maybe_flush()
        self.tick()
        if self.rng.random() < UNION_SHARE[kind]:
            self.union(f"{name}工会委员会", "enterprise", "grassroots", region,
                       w.county_federation[county], employer=code)
        return code

    def _platforms(self) -> None:
        w = self.world
        provs = [pp for pp, _ in PROVINCES]
        for i, (_key, name, group, below) in enumerate(PLATFORMS):
            home = provs[(i * 5 + 8) % len(provs)]
            hq = self.employer(name, "platform_hq", w.counties[home][0], None)
            w.group_employers[("other", home)].append(hq)
            stem = name.removesuffix("有限公司").removesuffix("科技")
            for pp, prov_name in PROVINCES:
                short = prov_name.removesuffix("省").removesuffix("市")[:2]
                counties = w.counties[pp]
                sub = self.employer(f"{stem}（{short}）有限公司", "platform_subsidiary",
                                    counties[0], hq)
                w.group_employers[(group, pp)].append(sub)
                w.group_employers[("other", pp)].append(sub)
                # agents/franchises per county; branches/affiliation companies per city
                places = counties if below in ("delivery_agent", "express_franchise") else [
                    c for c in counties if c.endswith("01")]
                for county in places:
                    label = self._place()
                    nm = (f"{stem}（{short}）有限公司{label}分公司" if below == "platform_branch"
                          else f"{label}{stem[:2]}{BELOW_ZH[below]}")
                    code = self.employer(nm, below, county, sub)
                    w.group_employers[(group, pp)].append(code)
                    if below in ("delivery_agent", "express_franchise"):
                        w.using_units[pp].append(code)
        for pp, prov_name in PROVINCES:
            short = prov_name.removesuffix("省").removesuffix("市")[:2]
            counties = w.counties[pp]
            w.agencies[pp] = self.employer(f"{short}{self._place()}人力资源服务有限公司",
                                           "dispatch_agency", counties[-1], None)
            home = self.employer(f"{short}{self._place()}家政服务有限公司", "other",
                                 counties[-1], None)
            w.group_employers[("domestic_worker", pp)].append(home)
