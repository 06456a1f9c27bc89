"""Synthetic demo workers: names, resident IDs, employment situations, join dates and channels.

A worker's union is chosen by domain.joining.eligible_unions at the moment of joining, so the
demo never needs the ledger's override path.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from api.demo_geo import (
    CAMPAIGNS,
    COMPOUND_SURNAMES,
    DISPATCH,
    GIVEN,
    GROUP_EMPLOYERS,
    GROUP_WEIGHTS,
    HOMETOWNS,
    RELATION_WEIGHTS,
    SURNAMES,
)
from api.demo_tree import World
from domain.enums import PLATFORM_RELATED_KINDS, EmploymentRelation, UnionKind
from domain.joining import Situation, candidate_regions, eligible_unions
from domain.personal import PersonalDetails
from domain.values import generate_resident_id

RELATIONS = list(EmploymentRelation)  # labour contract, not full, self-employed, dispatched
CAMPAIGN_CHANNELS = (["ceremony", "onsite_meeting", "mobile_window", "collective_registration"],
                     [20, 30, 25, 25])
OTHER_CHANNELS = (["online", "via_platform", "union_office", "mobile_window"], [45, 25, 20, 10])
#: preference among eligible unions (all allowed by the rules; this only shapes the data)
KIND_WEIGHT = {UnionKind.ENTERPRISE: 4, UnionKind.VILLAGE: 3, UnionKind.TOWNSHIP: 2,
               UnionKind.JOINT: 2, UnionKind.INDUSTRY_FEDERATION: 2}


@dataclass
class Worker:
    join_on: date
    group: str
    relation: EmploymentRelation
    employer_key: str | None
    using_key: str | None
    work_region: str | None
    residence_region: str | None
    channel: str
    campaign: str | None
    details: PersonalDetails
    member_id: UUID | None = None
    union: str | None = None
    busy: bool = False  # already given a life-cycle story
    held: bool = False  # held at the parent union after its own was dissolved (R8)

    def situation(self, world: World) -> Situation:
        key = world.employer_keys
        return Situation(
            self.relation,
            employer_code=key[self.employer_key] if self.employer_key else None,
            using_unit_code=key[self.using_key] if self.using_key else None,
            work_region=self.work_region, residence_region=self.residence_region,
        )


def choose_union(world: World, situation: Situation, rng: random.Random) -> str:
    """A union the joining-path rules allow for this situation (weighted by kind)."""
    employer = world.employers.get(situation.employer_code or "")
    using = world.employers.get(situation.using_unit_code or "")
    candidates = world.local_candidates(list(candidate_regions(situation, employer, using)))
    for e in (employer, using):
        if e is not None and e.union_code:
            candidates.append(world.unions[e.union_code])
    allowed = eligible_unions(situation, candidates, employer, using)
    if not allowed:
        raise RuntimeError(f"demo data bug: no eligible union for {situation}")
    weights = [KIND_WEIGHT.get(world.unions[a.union_code].kind, 1) for a in allowed]
    return rng.choices(allowed, weights)[0].union_code


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def join_dates(rng: random.Random, n: int, start: date, end: date) -> list[date]:
    """55% in campaign bursts (入会集中行动), the rest spread evenly; sorted."""
    windows = [(cid, max(date.fromisoformat(a), start), min(date.fromisoformat(b), end))
               for cid, a, b in CAMPAIGNS]
    windows = [w for w in windows if w[1] <= w[2]]
    out = []
    for _ in range(n):
        if windows and rng.random() < 0.55:
            _cid, a, b = rng.choice(windows)
            out.append(_day(rng, a, b))
        else:
            out.append(_day(rng, start, end))
    return sorted(out)


def campaign_of(on: date) -> str | None:
    for cid, a, b in CAMPAIGNS:
        if date.fromisoformat(a) <= on <= date.fromisoformat(b):
            return cid
    return None


class People:
    def __init__(self, rng: random.Random, world: World) -> None:
        self.rng, self.world = rng, world
        self.ids: set[str] = set()

    def details(self, group: str) -> PersonalDetails:
        rng = self.rng
        female = 0.9 if group == "domestic_worker" else 0.12
        sex = "female" if rng.random() < female else "male"
        while True:
            born = date(rng.randint(1966, 2003), rng.randint(1, 12), rng.randint(1, 28))
            rid = generate_resident_id(rng, address_code=rng.choice(HOMETOWNS), birth_date=born,
                                       sex=sex)
            if rid not in self.ids:
                self.ids.add(rid)
                break
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        phone = rng.choice("35789") + f"{rng.randint(0, 999_999_999):09d}"
        return PersonalDetails(name=name, resident_id=rid, phone="1" + phone)

    def village_near(self, region: str | None) -> str:
        near = [v for v in self.world.villages if region and v.startswith(region[:4])]
        return self.rng.choice(near or self.world.villages)

    def worker(self, on: date, forced: tuple[str, str, str | None] | None = None) -> Worker:
        rng, w = self.rng, self.world
        if forced:
            group, employer_key, using_key = forced
            relation = (EmploymentRelation.DISPATCHED if using_key
                        else EmploymentRelation.LABOUR_CONTRACT)
        else:
            group = rng.choices(list(GROUP_WEIGHTS), list(GROUP_WEIGHTS.values()))[0]
            relation = rng.choices(RELATIONS, RELATION_WEIGHTS[group])[0]
            employer_key, using_key = rng.choice(GROUP_EMPLOYERS[group]), None
            if relation is EmploymentRelation.DISPATCHED:
                employer_key = rng.choice(sorted(DISPATCH))
                using_key = rng.choice(DISPATCH[employer_key])
            elif relation is not EmploymentRelation.LABOUR_CONTRACT:
                kind = w.employer(employer_key).kind
                if kind not in PLATFORM_RELATED_KINDS or rng.random() < 0.25:
                    employer_key = None  # art. 5 workers need no platform link
        anchor = w.employer(employer_key).region_code if employer_key else None
        work = self.village_near(anchor) if anchor or rng.random() < 0.9 else None
        home = self.village_near(work) if rng.random() < 0.7 else rng.choice(w.villages)
        campaign = campaign_of(on)
        names, weights = CAMPAIGN_CHANNELS if campaign else OTHER_CHANNELS
        return Worker(
            join_on=on, group=group, relation=relation, employer_key=employer_key,
            using_key=using_key, work_region=work, residence_region=home,
            channel=rng.choices(names, weights)[0], campaign=campaign,
            details=self.details(group),
        )
