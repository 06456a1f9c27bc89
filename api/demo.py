"""A realistic synthetic demo ledger (two provinces down to villages, four platform enterprises,
~10,000 workers), recorded only through the ledger's own commands. Deterministic for a seed.

Loading into a ledger that already holds events is refused (DemoRefusedError): a second run
would re-establish the same unions and clash, and mixing demo rows into real data is worse.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from api.demo_geo import CAMPAIGNS, GROUP_WEIGHTS
from api.demo_people import People, Worker, choose_union, join_dates
from api.demo_story import Story
from api.demo_tree import ACTOR, TreeBuilder, World
from domain.application import Ledger
from domain.campaign import NATIONWIDE
from domain.errors import RuleViolationError
from domain.joins import JoinLookups, JoinRequest
from domain.values import region_level

BATCH = 500
START = date(2021, 9, 1)
END = date(2026, 11, 20)
REPARENT_ON = date(2022, 7, 1)  # a street's union moves under the development zone's union
CLOSE_ON = date(2022, 9, 30)  # a delivery agent closes: its union is dissolved (R8)
NEW_UNION_ON = date(2024, 5, 1)  # an express franchise sets up its own union (art. 4)
# workers forced into the stories above, so that a small demo still shows every event type
FORCED = {7: ("food_delivery_rider", "pq_xm", "sd_xm"), 3: ("food_delivery_rider", "ag_tj", None),
          13: ("courier", "kd_hl", None)}


class DemoRefusedError(RuleViolationError):
    code = "demo.ledger_not_empty"


@dataclass
class DemoSummary:
    """Counts of what was recorded, by kind."""

    unions: Counter[str] = field(default_factory=Counter)
    employers: Counter[str] = field(default_factory=Counter)
    members: int = 0
    worker_groups: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    relations: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)  # Membership event types
    transfers: Counter[str] = field(default_factory=Counter)  # completed/in transit/cancelled
    provinces: int = 0
    villages: int = 0

    def rows(self) -> list[tuple[str, str, int]]:
        """(section, kind, count) rows for printing."""
        out = [("ledger", "members", self.members), ("ledger", "provinces", self.provinces),
               ("ledger", "villages", self.villages)]
        for section in ("unions", "employers", "worker_groups", "relations", "channels",
                        "events", "transfers"):
            counts: Counter[str] = getattr(self, section)
            out += [(section, k, v) for k, v in sorted(counts.items())]
        return out


def campaign_targets(members: int) -> dict[str, int]:
    """Per worker group, a little above what one campaign's burst brings (55% of joins fall in
    bursts, shared by the campaigns): completion rates come out near 90%, as in the field."""
    per = members * 0.55 / len(CAMPAIGNS) * 1.1 / sum(GROUP_WEIGHTS.values())
    return {g: max(10, round(per * w / 10) * 10) for g, w in GROUP_WEIGHTS.items()}


def _dates(today: date) -> tuple[date, date]:
    end = min(END, today - timedelta(days=1))
    return min(START, end - timedelta(days=5 * 365)), end


def load_demo(
    ledger: Ledger, *, members: int = 10_000, seed: int = 2021,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Loads the demo; `progress(done, total)` is called as steps complete. Prints nothing."""
    if ledger.recorder.max_notification_id():
        raise DemoRefusedError(
            "台账中已有数据，不能再载入演示数据（请使用新的数据目录或数据库）",
            message_en="the ledger already holds events; load the demo into an empty ledger",
            field="data_dir",
        )
    today = ledger.today()
    rng = random.Random(seed)
    world = World()
    builder = TreeBuilder(ledger, rng, world)
    builder.build()
    root = next(code for code, parent in world.parents.items() if parent is None)
    for cid, first, last in CAMPAIGNS:  # the national campaigns the joins name (art. 14)
        ledger.launch_campaign(campaign_id=cid, name=cid, organiser_code=root,
                               region_code=NATIONWIDE, period_from=first, period_to=last,
                               targets=campaign_targets(members), recorded_by=ACTOR,
                               effective_on=min(date.fromisoformat(first), today))
    start, end = _dates(today)
    people = People(rng, world)
    workers: list[Worker] = []
    for i, on in enumerate(join_dates(rng, members, start, end)):
        forced = FORCED.get(i % 40)
        if forced and forced[1] in ("ag_tj", "kd_hl"):
            limit = CLOSE_ON if forced[1] == "ag_tj" else NEW_UNION_ON
            on = min(on, limit - timedelta(days=rng.randint(30, 200)), end)
        w = people.worker(max(on, start), forced)
        if w.employer_key == "ag_tj" and w.join_on >= CLOSE_ON:
            w.employer_key = "sd_fz"  # the agent has closed; its riders went to the platform
        workers.append(w)
    workers.sort(key=lambda w: w.join_on)
    total = members + max(10, members // 6)
    done = 0

    def tick(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, total), total)

    summary = DemoSummary()
    milestones = [(REPARENT_ON, _reparent), (CLOSE_ON, _close), (NEW_UNION_ON, _new_union)]
    pending = list(workers)
    for on, step in milestones + [(today + timedelta(days=1), None)]:
        due = [w for w in pending if w.join_on < on]
        pending = pending[len(due):]
        # unions and employers change only at milestones: one memo per stretch between them;
        # every demo worker is new (unique generated IDs, empty ledger), so no membership reads
        ids = {ledger.identity.membership_id(w.details.resident_id): None for w in due}
        lookups = JoinLookups(ledger, ids)
        for b in range(0, len(due), BATCH):
            _join_batch(ledger, world, rng, due[b:b + BATCH], lookups)
            tick(len(due[b:b + BATCH]))
        if step is not None and on <= today:
            step(ledger, world, rng, workers, builder)
    story = Story(ledger, rng, world, workers, today, tick)
    if today >= NEW_UNION_ON:
        kd_hl = world.employer("kd_hl").union_code or ""
        story.transfer_to_new_enterprise_union("kd_hl", kd_hl, NEW_UNION_ON)
    story.transfers_between_cities()
    story.life()
    story.delegations()
    if progress:
        progress(total, total)
    summary.members = len(workers)
    summary.unions = Counter(str(u.kind) for u in world.unions.values())
    summary.employers = Counter(str(e.kind) for e in world.employers.values())
    summary.worker_groups = Counter(w.group for w in workers)
    summary.channels = Counter(w.channel for w in workers)
    summary.relations = Counter(str(w.relation) for w in workers)
    summary.events = story.events
    summary.events["Joined"] += len(workers)
    summary.events["HeldAtParent"] += sum(1 for w in workers if w.held)
    summary.transfers = story.transfers
    summary.provinces = sum(1 for c, u in world.unions.items() if world.parents[c]
                            and region_level(u.region_code) == "province")
    summary.villages = len(world.villages)
    return summary


def _join_batch(ledger: Ledger, world: World, rng: random.Random, batch: list[Worker],
                lookups: JoinLookups) -> None:
    requests = []
    for w in batch:
        situation = w.situation(world)
        w.union = choose_union(world, situation, rng)
        w.member_id = ledger.identity.membership_id(w.details.resident_id)
        requests.append(JoinRequest(
            details=w.details, union_code=w.union, worker_group=w.group, channel=w.channel,
            situation=situation, recorded_by=ACTOR, effective_on=w.join_on,
            campaign_id=w.campaign,
        ))
    _, errors = ledger.join_many(requests, lookups=lookups)
    if errors:  # the rules chose these unions: a refusal here is a bug in the demo data
        i, e = errors[0]
        raise RuntimeError(f"demo join refused ({len(errors)} rows): {e.code} {e.message_en}")


def _reparent(ledger: Ledger, world: World, rng: random.Random, workers: list[Worker],
              builder: TreeBuilder) -> None:
    town = next(c for c, u in world.unions.items() if u.name == "湖里区殿前街道工会")
    zone = next(c for c, u in world.unions.items() if u.name == "厦门火炬高技术产业开发区工会")
    ledger.reparent_union(town, parent_code=zone, recorded_by=ACTOR, effective_on=REPARENT_ON,
                          reason="殿前街道划归火炬高新区管理")
    world.reparent(town, zone)


def _close(ledger: Ledger, world: World, rng: random.Random, workers: list[Worker],
           builder: TreeBuilder) -> None:
    employer = world.employer("ag_tj")
    union = employer.union_code or ""
    ledger.close_employer(employer.code, recorded_by=ACTOR, effective_on=CLOSE_ON,
                          reason="配送代理商终止经营，依法注销")
    world.dissolve(union)
    world.link(employer.code, None)
    parent = world.parents[union]
    for w in workers:
        if w.union == union and w.member_id is not None:
            w.union = parent
            w.held = True


def _new_union(ledger: Ledger, world: World, rng: random.Random, workers: list[Worker],
               builder: TreeBuilder) -> None:
    employer = world.employer("kd_hl")
    county = world.county_federation[employer.region_code[:6]]
    builder.union(f"{employer.name}工会委员会", "enterprise", "grassroots", employer.region_code,
                  county, employer=employer.code, on=NEW_UNION_ON)
