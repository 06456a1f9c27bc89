"""Life after joining for a sample of national members, each step an ordinary ledger command run
inside a unit of work: transfers (completed, in transit, cancelled), retention, withdrawal,
expulsion, delegation, corrections, one erasure and one 200-event history.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from api.demo_people import choose_union
from api.demo_story import AUTO_WITHDRAWAL, EXPULSION
from api.demo_tree import ACTOR
from api.national_batch import UnitOfWork
from api.national_people import Worker
from api.national_tree import NationalWorld
from domain.application import Ledger
from domain.enums import EmploymentRelation
from domain.joining import Situation
from domain.joins import JoinRequest

ART5 = (EmploymentRelation.NOT_FULL_LABOUR_RELATION, EmploymentRelation.PLATFORM_SELF_EMPLOYED)
#: story → weight among the sampled members (the sample is ~10% of all members)
STORIES = {"moved": 35, "in_transit": 10, "cancelled": 4, "retained": 17, "withdrew": 17,
           "auto_withdrew": 11, "expelled": 0.3, "corrected": 3, "delegated": 3}
LONG_HISTORY = 100  # transfer out/in pairs of the one long history (bench: as-of replay)


class NationalStory:
    def __init__(self, ledger: Ledger, rng: random.Random, world: NationalWorld, today: date,
                 uow: UnitOfWork, tick: Callable[[int], None]) -> None:
        self.led = ledger
        self.rng, self.world, self.today, self.uow, self.tick = rng, world, today, uow, tick
        self.events: Counter[str] = Counter()
        self.transfers: Counter[str] = Counter()
        self.long_history: str | None = None

    def _day(self, a: date, b: date) -> date:
        b = min(b, self.today)
        return a + timedelta(days=self.rng.randint(0, max((b - a).days, 0)))

    def _did(self, *events: str) -> None:
        for e in events:
            self.events[e] += 1

    def run(self, sample: list[Worker]) -> None:
        names, weights = list(STORIES), list(STORIES.values())
        for w in sample:
            story = self.rng.choices(names, weights)[0]
            if story == "delegated" and not self._delegable(w):
                story = "corrected"
            if (self.long_history is None and w.relation in ART5
                    and (self.today - w.join_on).days > 250):
                self._long(w)
            else:
                getattr(self, "_" + story)(w)
            self.uow.maybe_flush()
            self.tick(1)

    # -- transfers (R5) --------------------------------------------------------------

    def _relocate(self, w: Worker, on: date) -> str:
        """The worker moves to another county and works on their own account (art. 5)."""
        away = self.rng.choice(self.world.villages)
        s = Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED, work_region=away,
                      residence_region=away)
        self.led.change_employment(w.member_id, situation=s, recorded_by=ACTOR,
                                   reason="换城市从业", effective_on=on)
        dest = choose_union(self.world, s, self.rng)
        return dest if dest != w.union else self.world.parents[dest] or dest

    def _moved(self, w: Worker) -> None:
        moved = self._day(w.join_on + timedelta(days=1), self.today - timedelta(days=30))
        dest = self._relocate(w, moved)
        out = self._day(moved, moved + timedelta(days=20))
        self.led.transfer_out(w.member_id, destination_code=dest, reason="工作地变更，会籍随之接转",
                              recorded_by=ACTOR, effective_on=out)
        self.led.transfer_in(w.member_id, union_code=dest, recorded_by=ACTOR,
                             effective_on=self._day(out, out + timedelta(days=15)))
        self._did("EmploymentChanged", "TransferredOut", "TransferredIn")
        self.transfers["completed"] += 1

    def _in_transit(self, w: Worker) -> None:
        overdue = self.rng.random() < 0.5  # older than 30 days: the inbox must flag them
        lo, hi = (200, 40) if overdue else (20, 1)
        out = self._day(max(w.join_on, self.today - timedelta(days=lo)),
                        self.today - timedelta(days=hi))
        dest = self._relocate(w, out)
        self.led.transfer_out(w.member_id, destination_code=dest, reason="工作地变更，会籍随之接转",
                              recorded_by=ACTOR, effective_on=out)
        self._did("EmploymentChanged", "TransferredOut")
        overdue = (self.today - out).days > 30
        self.transfers["in_transit_overdue" if overdue else "in_transit"] += 1

    def _cancelled(self, w: Worker) -> None:
        out = self._day(w.join_on + timedelta(days=1), self.today - timedelta(days=20))
        dest = self.world.parents[w.union] or w.union
        if dest == w.union:
            return self._retained(w)
        self.led.transfer_out(w.member_id, destination_code=dest, reason="拟转入新工作地工会",
                              recorded_by=ACTOR, effective_on=out)
        self.led.cancel_transfer(w.member_id, recorded_by=ACTOR,
                                 reason="接收工会核实：劳动者未在本辖区从业，退回原工会",
                                 effective_on=self._day(out, out + timedelta(days=20)))
        self._did("TransferredOut", "TransferCancelled")
        self.transfers["cancelled"] += 1

    def _long(self, w: Worker) -> None:
        """One member transfers back and forth: 1 + 2 x LONG_HISTORY events."""
        home, away = w.union, self.world.parents[w.union] or w.union
        on = w.join_on
        for k in range(LONG_HISTORY):
            src, dst = (home, away) if k % 2 == 0 else (away, home)
            on = min(on + timedelta(days=1), self.today)
            self.led.transfer_out(w.member_id, destination_code=dst, reason="轮岗",
                                  recorded_by=ACTOR, effective_on=on)
            self.led.transfer_in(w.member_id, union_code=dst, recorded_by=ACTOR,
                                 effective_on=on)
            self._did("TransferredOut", "TransferredIn")
        self.long_history = str(w.member_id)

    # -- other life-cycle events (R4, R6, R7) ------------------------------------------

    def _retained(self, w: Worker) -> None:
        on = self._day(w.join_on + timedelta(days=1), self.today - timedelta(days=10))
        age = (on - date(int(w.details.resident_id[6:10]), 1, 1)).days // 365
        self.led.retain(w.member_id, cause="retirement" if age >= 50 else "unemployment",
                        recorded_by=ACTOR, reason="本人申请保留会籍", effective_on=on)
        self._did("Retained")
        if self.rng.random() < 1 / 3:
            self.led.reactivate(w.member_id, recorded_by=ACTOR, reason="重新就业",
                                effective_on=self._day(on, self.today))
            self._did("Reactivated")

    def _withdrew(self, w: Worker) -> None:
        on = self._day(w.join_on + timedelta(days=1), self.today - timedelta(days=10))
        self.led.withdraw(w.member_id, recorded_by=ACTOR, reason="本人申请退会", effective_on=on)
        self._did("Withdrew")
        if self.rng.random() < 0.05:  # a rejoin is a new Joined on the same history (R1)
            self.led.join(JoinRequest(
                details=w.details, union_code=w.union, worker_group=w.group,
                channel="union_office", situation=w.situation, recorded_by=ACTOR,
                effective_on=self._day(on, self.today)))
            self._did("Joined")

    def _auto_withdrew(self, w: Worker) -> None:
        on = self._day(w.join_on + timedelta(days=1), self.today)
        self.led.withdraw(w.member_id, recorded_by=ACTOR, automatic=True,
                          reason=AUTO_WITHDRAWAL, effective_on=on)
        self._did("Withdrew")
        if not self.events["PersonalDataErased"]:  # PIPL art. 47, once
            self.led.erase_personal_data(w.member_id, recorded_by=ACTOR,
                                         reason="本人申请删除个人信息")
            self._did("PersonalDataErased")

    def _expelled(self, w: Worker) -> None:
        self.led.expel(w.member_id, recorded_by=ACTOR, reason=EXPULSION,
                       effective_on=self._day(w.join_on + timedelta(days=1), self.today))
        self._did("Expelled")

    def _corrected(self, w: Worker) -> None:
        phone = "1" + self.rng.choice("35789") + f"{self.rng.randint(0, 999_999_999):09d}"
        self.led.correct_details(w.member_id, recorded_by=ACTOR, reason="会员更换手机号码",
                                 details=replace(w.details, phone=phone),
                                 effective_on=self._day(w.join_on, self.today))
        self._did("DetailsCorrected")

    def _delegable(self, w: Worker) -> bool:
        s = w.situation
        if w.relation is not EmploymentRelation.DISPATCHED or not s.using_unit_code:
            return False
        using = self.world.employers[s.using_unit_code].union_code
        return bool(using) and using != w.union

    def _delegated(self, w: Worker) -> None:
        to = self.world.employers[w.situation.using_unit_code or ""].union_code or ""
        self.led.delegate_management(w.member_id, to_union_code=to, recorded_by=ACTOR,
                                     reason="派遣单位工会委托用工单位工会日常管理",
                                     effective_on=self._day(w.join_on, self.today))
        self._did("ManagementDelegated")
