"""Demo union tree and employers, established through the ledger's own commands.

`World` mirrors what was recorded (UnionInfo / EmployerInfo) so that workers' unions can be
chosen with domain.joining's own rule functions, without reading the ledger back.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from api.demo_geo import CITY_INDUSTRY, COMMUNITIES, COUNTY_INDUSTRY, EMPLOYERS, GEOGRAPHY
from domain.application import Ledger
from domain.enums import EmployerKind, UnionKind
from domain.joining import EmployerInfo, UnionInfo
from domain.values import generate_credit_code, region_prefix

ACTOR = "demo-loader"
FOUNDED = date(2019, 1, 1)  # the tree predates the first campaign


@dataclass
class World:
    """What the demo recorded: unions and employers by code, plus handy groupings."""

    unions: dict[str, UnionInfo] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)
    employers: dict[str, EmployerInfo] = field(default_factory=dict)
    employer_keys: dict[str, str] = field(default_factory=dict)  # key → credit code
    employer_parent: dict[str, str | None] = field(default_factory=dict)
    by_prefix: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    villages: list[str] = field(default_factory=list)  # 12-digit region codes
    townships: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    county_federation: dict[str, str] = field(default_factory=dict)  # county region → union
    used_codes: set[str] = field(default_factory=set)

    def new_code(self, rng: random.Random, region: str, *, union: bool, grassroots: bool) -> str:
        while True:
            code = generate_credit_code(
                rng, authority="8" if union else "9",
                org_type="1" if grassroots or not union else "9", region_code=region[:6],
            )
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def add_union(self, info: UnionInfo, parent: str | None) -> None:
        self.unions[info.code] = info
        self.parents[info.code] = parent
        self.by_prefix[region_prefix(info.region_code)].append(info.code)

    def local_candidates(self, regions: list[str | None]) -> list[UnionInfo]:
        """Unions whose region covers one of `regions` (cheap prefix lookup, rules decide)."""
        out: dict[str, UnionInfo] = {}
        for r in regions:
            if not r:
                continue
            padded = r.ljust(12, "0")
            for n in (2, 4, 6, 9, 12):
                for code in self.by_prefix.get(padded[:n], ()):
                    out[code] = self.unions[code]
        return list(out.values())

    def employer(self, key: str) -> EmployerInfo:
        return self.employers[self.employer_keys[key]]

    def link(self, employer_code: str, union_code: str | None) -> None:
        self.employers[employer_code] = replace(self.employers[employer_code],
                                                union_code=union_code)

    def dissolve(self, union_code: str) -> None:
        self.unions[union_code] = replace(self.unions[union_code], dissolved=True)

    def reparent(self, union_code: str, parent: str) -> None:
        self.parents[union_code] = parent


class TreeBuilder:
    def __init__(self, ledger: Ledger, rng: random.Random, world: World) -> None:
        self.ledger, self.rng, self.world = ledger, rng, world
        self.count = 0

    def union(self, name: str, kind: str, level: str, region: str, parent: str | None,
              employer: str | None = None, on: date = FOUNDED) -> str:
        code_region = "100000" if parent is None else region
        code = self.world.new_code(self.rng, code_region, union=True,
                                   grassroots=kind == "enterprise")
        self.ledger.establish_union(
            code=code, name=name, kind=kind, level=level, region_code=region,
            parent_code=parent, approved_by=parent, recorded_by=ACTOR, employer_code=employer,
            effective_on=on,
        )
        self.world.add_union(UnionInfo(code, name, UnionKind(kind), region, employer), parent)
        if employer:
            self.world.link(employer, code)
        self.count += 1
        return code

    def build(self) -> None:
        acftu = self.union("中华全国总工会", "federation", "national", "110000", None)
        for prov_code, prov_name, cities in GEOGRAPHY:
            prov = self.union(f"{prov_name}总工会", "federation", "province", prov_code, acftu)
            for city_code, city_name, (zone_region, zone_name), counties in cities:
                self._city(prov, city_code, city_name, zone_region, zone_name, counties)
        self._employers()

    def _city(self, prov: str, city_code: str, city_name: str, zone_region: str, zone_name: str,
              counties: list[tuple[str, str, list[str]]]) -> None:
        city = self.union(f"{city_name}总工会", "federation", "city", city_code, prov)
        for suffix, _group in CITY_INDUSTRY:
            self.union(f"{city_name}{suffix}", "industry_federation", "city", city_code, city)
        self.union(f"{zone_name}工会", "development_zone", "county", zone_region, city)
        for ci, (county_code, county_name, townships) in enumerate(counties):
            county = self.union(f"{county_name}总工会", "federation", "county", county_code, city)
            self.world.county_federation[county_code] = county
            industry = COUNTY_INDUSTRY[ci % len(COUNTY_INDUSTRY)]
            self.union(f"{city_name}{county_name}{industry}", "industry_federation", "county",
                       county_code, county)
            for ti, town_name in enumerate(townships):
                town_code = f"{county_code}{ti + 1:03d}"
                town = self.union(f"{county_name}{town_name}工会", "township", "township",
                                  town_code, county)
                self.world.townships[county_code].append(town_code)
                if ti == 0:
                    self.union(f"{town_name}新就业形态劳动者联合工会", "joint", "township",
                               town_code, town)
                if ti == 1 and ci == 0:
                    self.union(f"{town_name}商圈区域工会", "regional", "township", town_code, town)
                    self.union(f"{town_name}小微企业基层工会联合会", "grassroots_federation",
                               "township", town_code, town)
                for vi in range(2):
                    village_code = f"{town_code}{vi + 1:03d}"
                    word = COMMUNITIES[(ci * 7 + ti * 3 + vi) % len(COMMUNITIES)]
                    kind_zh = "村" if town_name.endswith("镇") else "社区"
                    self.union(f"{town_name}{word}{kind_zh}工会", "village", "village",
                               village_code, town)
                    self.world.villages.append(village_code)

    def _employers(self) -> None:
        w = self.world
        for key, name, kind, county, parent_key, has_union in EMPLOYERS:
            region = self.rng.choice(w.townships[county])
            code = w.new_code(self.rng, county, union=False, grassroots=False)
            parent = w.employer_keys[parent_key] if parent_key else None
            self.ledger.register_employer(code=code, name=name, kind=kind, region_code=region,
                                          recorded_by=ACTOR, parent_code=parent,
                                          effective_on=FOUNDED)
            w.employer_keys[key] = code
            w.employer_parent[code] = parent
            w.employers[code] = EmployerInfo(code, name, EmployerKind(kind), region)
            if has_union:
                self.union(f"{name}工会委员会", "enterprise", "grassroots", region,
                           w.county_federation[county], employer=code)
