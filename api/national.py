"""National-scale data: 31 provinces down to villages, platform enterprises and N workers
(default 1,000,000) recorded through the ledger's batched paths (`join_many`, units of work).

Deterministic for (members, seed). Refuses a ledger that already holds events, like the demo.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from api.demo import DemoRefusedError
from api.demo_geo import CAMPAIGNS
from api.demo_tree import ACTOR
from api.national_batch import unit_of_work
from api.national_geo import shape_for
from api.national_people import NationalPeople, Worker
from api.national_story import NationalStory
from api.national_tree import NationalTreeBuilder, NationalWorld
from domain.application import Ledger
from domain.campaign import NATIONWIDE
from domain.employer import Employer
from domain.joins import JoinLookups, JoinRequest
from domain.union import Union

LIFE_SHARE = 0.10  # members who get a life-cycle story after joining
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class NationalSummary:
    members: int = 0
    unions: Counter[str] = field(default_factory=Counter)  # by kind
    employers: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    groups: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    transfers: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage
    root: str = ""
    long_history: str | None = None  # member id of the 200-event history
    kept: dict[Any, Any] = field(default_factory=dict, repr=False)  # sampled aggregates

    def rows(self) -> list[tuple[str, str, int]]:
        out = [("ledger", "members", self.members)]
        for section in ("unions", "employers", "groups", "channels", "events", "transfers"):
            counts: Counter[str] = getattr(self, section)
            out += [(section, k, v) for k, v in sorted(counts.items())]
        return out


def generate_national(
    ledger: Ledger, *, members: int = 1_000_000, seed: int = 2021, batch: int = 1000,
    progress: Progress | None = None,
) -> NationalSummary:
    if ledger.recorder.max_notification_id():
        raise DemoRefusedError(
            "台账中已有数据，不能再生成全国数据（请使用新的数据库）",
            message_en="the ledger already holds events; generate into an empty ledger",
            field="database_url",
        )
    report = progress or (lambda stage, done, total: None)
    today = ledger.today()
    rng = random.Random(seed)
    world = NationalWorld()
    summary = NationalSummary(members=members)
    shape = shape_for(members)

    t0 = time.perf_counter()
    built = [0]
    expect = shape.villages_total * 2 + 2_000  # rough: villages + everything else

    def tick_tree() -> None:
        built[0] += 1
        report("tree", built[0], max(expect, built[0]))

    with unit_of_work(ledger, size=500) as uow:
        builder = NationalTreeBuilder(ledger, rng, world, uow, tick_tree)
        summary.root = builder.build_national(shape)
    report("tree", built[0], built[0])
    for cid, first, last in CAMPAIGNS:  # the national campaigns the joins name (art. 14)
        ledger.launch_campaign(campaign_id=cid, name=cid, organiser_code=summary.root,
                               region_code=NATIONWIDE, period_from=first, period_to=last,
                               targets={}, recorded_by=ACTOR,
                               effective_on=min(date.fromisoformat(first), today))
    summary.seconds["tree"] = time.perf_counter() - t0
    summary.unions = Counter(str(u.kind) for u in world.unions.values())
    summary.employers = Counter(str(e.kind) for e in world.employers.values())

    t0 = time.perf_counter()
    sample = _join_all(ledger, world, rng, today, members, batch, summary, report)
    summary.seconds["joins"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    done = [0]

    def tick_life(n: int) -> None:
        done[0] += n
        report("life", done[0], len(sample))

    with unit_of_work(ledger, size=500, keep=(Union, Employer)) as uow:
        uow.kept.update(summary.kept)  # saved by the join stage, current, read by nobody else
        summary.kept.clear()
        story = NationalStory(ledger, rng, world, today, uow, tick_life)
        story.run(sample)
    summary.seconds["life"] = time.perf_counter() - t0
    summary.events.update(story.events)
    summary.events["Joined"] += members
    summary.transfers = story.transfers
    summary.long_history = story.long_history
    return summary


def _join_all(ledger: Ledger, world: NationalWorld, rng: random.Random, today: date,
              members: int, batch: int, summary: NationalSummary, report: Progress
              ) -> list[Worker]:
    """Every worker joins through join_many's two halves, batch k saved on a second thread
    while batch k+1 is checked and sealed; returns the sample that gets a story, their
    aggregates kept in `summary.kept` (the story stage then needs no reads)."""
    people = NationalPeople(rng, world, today)
    # one memo of unions and employers for the whole stage: they do not change during it
    lookups = JoinLookups(ledger)
    sample: list[Worker] = []
    late = today - timedelta(days=60)
    with ThreadPoolExecutor(max_workers=1) as saver:
        saving: Future[int] | None = None
        for start in range(0, members, batch):
            workers = [people.worker(i) for i in range(start, min(start + batch, members))]
            requests = []
            for w in workers:
                w.member_id = ledger.identity.membership_id(w.details.resident_id)
                lookups.loaded[w.member_id] = None  # every generated person is new
                # no campaign named: the ledger attributes each join to the one national
                # campaign holding its date (a named one is re-read per row)
                requests.append(JoinRequest(
                    details=w.details, union_code=w.union, worker_group=w.group,
                    channel=w.channel, situation=w.situation, recorded_by=ACTOR,
                    effective_on=w.join_on))
            ready, errors = ledger.prepare_join_batch(requests, lookups=lookups)
            if errors:  # the rules chose these unions: a refusal is a bug in the generator
                i, e = errors[0]
                raise RuntimeError(f"national join refused ({len(errors)} rows): {e.code} "
                                   f"{e.message_en}")
            lookups.loaded.clear()
            if saving is not None:
                saving.result()
            saving = saver.submit(ledger.save_join_batch, ready)
            chosen = {w.member_id for w in workers
                      if w.join_on <= late and rng.random() < LIFE_SHARE}
            sample += [w for w in workers if w.member_id in chosen]
            summary.kept.update((m.id, m) for m in ready if m.id in chosen)
            for w in workers:
                summary.channels[w.channel] += 1
                summary.groups[w.group] += 1
            report("joins", start + len(workers), members)
        if saving is not None:
            saving.result()
    return sample
