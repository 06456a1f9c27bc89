"""National-scale synthetic workers: deterministic resident IDs by index, employment situations
across every province, and the union the joining rules allow (demo_people.choose_union).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from api.demo_geo import CAMPAIGNS, COMPOUND_SURNAMES, GIVEN, SURNAMES
from api.demo_people import CAMPAIGN_CHANNELS, KIND_WEIGHT, OTHER_CHANNELS
from api.national_geo import GROUP_WEIGHTS, PROVINCES, RELATION_WEIGHTS
from api.national_tree import NationalWorld
from domain.enums import PLATFORM_RELATED_KINDS, EmploymentRelation
from domain.joining import Situation, candidate_regions, eligible_unions
from domain.personal import PersonalDetails
from domain.values.resident_id import check_char

ART5 = (EmploymentRelation.NOT_FULL_LABOUR_RELATION, EmploymentRelation.PLATFORM_SELF_EMPLOYED)
RELATIONS = list(EmploymentRelation)  # labour contract, not full, self-employed, dispatched
BORN_FROM = date(1966, 1, 1)
BORN_DAYS = 13_000  # births 1966-2001 (workers aged about 25 to 60)
FIRST_JOIN = date(2021, 9, 1)  # 总工办发〔2021〕16号
_CAMPAIGNS = [(cid, date.fromisoformat(a), date.fromisoformat(b)) for cid, a, b in CAMPAIGNS]


def resident_id(i: int) -> str:
    """The i-th worker's resident ID: unique for i < 13,000,000, valid (GB 11643), and
    recomputable by benchmarks without storing any personal data."""
    pp = PROVINCES[i % len(PROVINCES)][0]
    address = f"{pp}{(i // 31) % 3 + 1:02d}{(i // 93) % 3 + 1:02d}"
    born = BORN_FROM + timedelta(days=(i * 7919) % BORN_DAYS)  # 7919 is prime: a permutation
    q = i // BORN_DAYS
    first17 = f"{address}{born:%Y%m%d}{(q // 10) % 100:02d}{(q + i) % 10}"
    return first17 + check_char(first17)


@dataclass(slots=True)
class Worker:
    index: int
    group: str
    relation: EmploymentRelation
    situation: Situation
    union: str
    channel: str
    campaign: str | None
    join_on: date
    details: PersonalDetails
    member_id: UUID | None = None


class NationalPeople:
    def __init__(self, rng: random.Random, world: NationalWorld, today: date) -> None:
        self.rng, self.world = rng, world
        self.end = today - timedelta(days=1)
        self.span = (self.end - FIRST_JOIN).days
        self.groups = list(GROUP_WEIGHTS)
        self.group_cum = _cumulative(list(GROUP_WEIGHTS.values()))
        self.campaigns = [c for c in _CAMPAIGNS if c[1] <= self.end]
        self.chooser = UnionChooser(world, rng)

    def details(self, i: int) -> PersonalDetails:
        rng = self.rng
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        phone = "1" + rng.choice("35789") + f"{rng.randint(0, 999_999_999):09d}"
        return PersonalDetails(name=name, resident_id=resident_id(i), phone=phone)

    def join_date(self) -> tuple[date, str | None]:
        """55% inside a joining campaign (入会集中行动), the rest spread over the years."""
        rng = self.rng
        if self.campaigns and rng.random() < 0.55:
            cid, a, b = rng.choice(self.campaigns)
            b = min(b, self.end)
            return a + timedelta(days=rng.randint(0, (b - a).days)), cid
        on = FIRST_JOIN + timedelta(days=rng.randint(0, self.span))
        return on, next((c for c, a, b in self.campaigns if a <= on <= b), None)

    def village_near(self, region: str | None) -> str:
        w = self.world
        if region:
            near = w.county_villages.get(region[:6])
            if near:
                return self.rng.choice(near)
        return self.rng.choice(w.villages)

    def worker(self, i: int) -> Worker:
        rng, w = self.rng, self.world
        group = rng.choices(self.groups, cum_weights=self.group_cum)[0]
        relation = rng.choices(RELATIONS, RELATION_WEIGHTS[group])[0]
        pp = PROVINCES[rng.randrange(len(PROVINCES))][0]
        employer: str | None = rng.choice(w.group_employers.get((group, pp))
                                          or w.group_employers[("other", pp)])
        using: str | None = None
        if relation is EmploymentRelation.DISPATCHED:
            employer, using = w.agencies[pp], rng.choice(w.using_units[pp])
        elif relation is not EmploymentRelation.LABOUR_CONTRACT:
            kind = w.employers[employer or ""].kind
            if kind not in PLATFORM_RELATED_KINDS or rng.random() < 0.25:
                employer = None  # art. 5 workers need no platform link
        anchor = w.employers[employer].region_code if employer else None
        work = self.village_near(anchor or rng.choice(w.counties[pp]))
        home = self.village_near(work) if rng.random() < 0.7 else rng.choice(w.villages)
        situation = Situation(relation, employer_code=employer, using_unit_code=using,
                              work_region=work, residence_region=home)
        on, campaign = self.join_date()
        names, weights = CAMPAIGN_CHANNELS if campaign else OTHER_CHANNELS
        return Worker(i, group, relation, situation, self.chooser.choose(situation),
                      rng.choices(names, weights)[0], campaign, on, self.details(i))


class UnionChooser:
    """demo_people.choose_union with memos: the eligible unions depend only on (relation,
    employer, using unit) for arts. 4 and 6, and on each region (plus the platform's own
    union) for art. 5, so a million workers need a few thousand rule evaluations."""

    def __init__(self, world: NationalWorld, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.memo: dict[object, tuple[list[str], list[int]]] = {}

    def _eligible(self, situation: Situation) -> list[str]:
        w = self.world
        employer = w.employers.get(situation.employer_code or "")
        using = w.employers.get(situation.using_unit_code or "")
        candidates = w.local_candidates(list(candidate_regions(situation, employer, using)))
        candidates += [w.unions[e.union_code] for e in (employer, using)
                       if e is not None and e.union_code]
        return [a.union_code for a in eligible_unions(situation, candidates, employer, using)]

    def _weighted(self, key: object, codes: Callable[[], list[str]]) -> tuple[list[str], list[int]]:
        if key not in self.memo:
            found = list(dict.fromkeys(codes()))
            if not found:
                raise RuntimeError(f"generator bug: no eligible union for {key}")
            self.memo[key] = (found, _cumulative(
                [KIND_WEIGHT.get(self.world.unions[c].kind, 1) for c in found]))
        return self.memo[key]

    def choose(self, s: Situation) -> str:
        if s.relation not in ART5:
            codes, cum = self._weighted((s.relation, s.employer_code, s.using_unit_code),
                                        lambda: self._eligible(s))
            return self.rng.choices(codes, cum_weights=cum)[0]

        def local(region: str | None) -> list[str]:
            if not region:
                return []
            return self._weighted(("art5", region), lambda: self._eligible(
                Situation(s.relation, work_region=region)))[0]

        def platform() -> list[str]:
            e = self.world.employers.get(s.employer_code or "")
            return [e.union_code] if e and e.union_code and e.kind in PLATFORM_RELATED_KINDS \
                else []

        codes = list(dict.fromkeys(local(s.work_region) + local(s.residence_region)
                                   + platform()))  # not memoised: too many combinations
        weights = [KIND_WEIGHT.get(self.world.unions[c].kind, 1) for c in codes]
        return self.rng.choices(codes, weights)[0]


def _cumulative(weights: list[int]) -> list[int]:
    out, total = [], 0
    for x in weights:
        total += x
        out.append(total)
    return out
