"""Life-cycle stories for demo members after joining: transfers in every state, retention,
withdrawal, expulsion, delegation, corrections and an erasure — each through a ledger command.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from api.demo_people import Worker, choose_union
from api.demo_tree import ACTOR, World
from domain.application import Ledger
from domain.enums import EmploymentRelation
from domain.joins import JoinRequest

ART5 = (EmploymentRelation.NOT_FULL_LABOUR_RELATION, EmploymentRelation.PLATFORM_SELF_EMPLOYED)
EXPULSION = "被依法追究刑事责任，经会员大会讨论决定开除会籍"
AUTO_WITHDRAWAL = "连续6个月未交纳会费、不参加工会组织生活，经教育拒不改正，视为自动退会"


class Story:
    def __init__(self, ledger: Ledger, rng: random.Random, world: World, workers: list[Worker],
                 today: date, tick: Callable[[], None]) -> None:
        self.ledger, self.rng, self.world, self.workers = ledger, rng, world, workers
        self.today, self.tick = today, tick
        self.events: Counter[str] = Counter()
        self.transfers: Counter[str] = Counter()
        n = len(workers)
        self.share = lambda frac, low: max(low, round(n * frac))

    def _day(self, a: date, b: date) -> date:
        b = min(b, self.today)
        return a + timedelta(days=self.rng.randint(0, max((b - a).days, 0)))

    def _pick(self, count: int, ok: Callable[[Worker], bool], before_days: int) -> list[Worker]:
        limit = self.today - timedelta(days=before_days)
        pool = [w for w in self.workers if not w.busy and w.join_on <= limit and ok(w)]
        chosen = self.rng.sample(pool, min(count, len(pool)))
        for w in chosen:
            w.busy = True
        return chosen

    def _did(self, event: str) -> None:
        self.events[event] += 1
        self.tick()

    # -- transfers (R5) ------------------------------------------------------------------

    def transfer_to_new_enterprise_union(self, employer_key: str, union: str, on: date) -> None:
        """The employer set up its own union: its employees' memberships follow (art. 4)."""
        for w in self.workers:
            if (w.employer_key == employer_key and w.join_on < on and not w.busy
                    and w.relation is EmploymentRelation.LABOUR_CONTRACT and w.union != union):
                w.busy = True
                out = self._day(on, on + timedelta(days=60))
                self._out(w, union, out, "用人单位已建立工会，会籍随劳动关系接转（第（四）条）")
                self.ledger.transfer_in(w.member_id, union_code=union, recorded_by=ACTOR,
                                        effective_on=self._day(out, out + timedelta(days=10)))
                w.union = union
                self._did("TransferredIn")
                self.transfers["completed"] += 1

    def _out(self, w: Worker, dest: str, on: date, reason: str) -> None:
        self.ledger.transfer_out(w.member_id, destination_code=dest, reason=reason,
                                 recorded_by=ACTOR, effective_on=on)
        self._did("TransferredOut")

    def _move(self, w: Worker, on: date) -> str:
        """The worker moved to another city: employment changes, a new local union is due."""
        region = w.work_region or w.residence_region or ""
        away = [v for v in self.world.villages if not v.startswith(region[:4])]
        w.work_region = w.residence_region = self.rng.choice(away)
        w.employer_key = None
        situation = w.situation(self.world)
        self.ledger.change_employment(w.member_id, situation=situation, recorded_by=ACTOR,
                                      reason="换城市从业", effective_on=on)
        self._did("EmploymentChanged")
        return choose_union(self.world, situation, self.rng)

    def transfers_between_cities(self) -> None:
        def art5(w: Worker) -> bool:
            return w.relation in ART5

        for w in self._pick(self.share(0.03, 2), art5, 200):
            moved = self._day(w.join_on + timedelta(days=30), self.today - timedelta(days=60))
            dest = self._move(w, moved)
            out = self._day(moved, moved + timedelta(days=20))
            self._out(w, dest, out, "工作地变更，会籍随之接转")
            self.ledger.transfer_in(w.member_id, union_code=dest, recorded_by=ACTOR,
                                    effective_on=self._day(out, out + timedelta(days=15)))
            w.union = dest
            self._did("TransferredIn")
            self.transfers["completed"] += 1
        in_transit = self._pick(self.share(0.012, 2), art5, 250)
        for i, w in enumerate(in_transit):
            old = i % 2 == 0  # half overdue (older than 30 days): the inbox must show them
            a, b = ((self.today - timedelta(days=200), self.today - timedelta(days=40)) if old
                    else (self.today - timedelta(days=20), self.today - timedelta(days=1)))
            out = self._day(a, b)
            self._out(w, self._move(w, out), out, "工作地变更，会籍随之接转")
            self.transfers["in_transit_overdue" if old else "in_transit"] += 1
        for w in self._pick(self.share(0.005, 1), art5, 200):
            out = self._day(w.join_on + timedelta(days=30), self.today - timedelta(days=30))
            dest = choose_union(self.world, w.situation(self.world), self.rng)
            if dest == w.union:
                dest = self.world.parents[w.union] or dest
            self._out(w, dest, out, "拟转入新工作地工会")
            self.ledger.cancel_transfer(w.member_id, recorded_by=ACTOR,
                                        reason="接收工会核实：劳动者未在本辖区从业，退回原工会",
                                        effective_on=self._day(out, out + timedelta(days=20)))
            self._did("TransferCancelled")
            self.transfers["cancelled"] += 1

    # -- other life-cycle events (R4, R6, R7) ----------------------------------------------

    def life(self) -> None:
        led, rng = self.ledger, self.rng
        retained = self._pick(self.share(0.015, 2), lambda w: True, 200)
        for i, w in enumerate(retained):
            age = (w.join_on - date(int(w.details.resident_id[6:10]), 1, 1)).days // 365
            on = self._day(w.join_on + timedelta(days=60), self.today - timedelta(days=60))
            led.retain(w.member_id, cause="retirement" if age >= 50 else "unemployment",
                       recorded_by=ACTOR, reason="本人申请保留会籍", effective_on=on)
            self._did("Retained")
            if i % 3 == 0:
                led.reactivate(w.member_id, recorded_by=ACTOR, reason="重新就业",
                               effective_on=self._day(on + timedelta(days=30), self.today))
                self._did("Reactivated")
        voluntary = self._pick(self.share(0.015, 2), lambda w: True, 200)
        for i, w in enumerate(voluntary):
            on = self._day(w.join_on + timedelta(days=30), self.today - timedelta(days=90))
            led.withdraw(w.member_id, recorded_by=ACTOR, reason="本人申请退会", effective_on=on)
            self._did("Withdrew")
            if i == 0:  # rejoining after a withdrawal is a new Joined on the same history
                self._rejoin(w, self._day(on + timedelta(days=30), self.today))
        automatic = self._pick(self.share(0.01, 1), lambda w: True, 250)
        for i, w in enumerate(automatic):
            on = self._day(w.join_on + timedelta(days=190), self.today)
            led.withdraw(w.member_id, recorded_by=ACTOR, automatic=True, reason=AUTO_WITHDRAWAL,
                         effective_on=on)
            self._did("Withdrew")
            if i == 0:  # PIPL art. 47: the person asked for erasure after leaving
                led.erase_personal_data(w.member_id, recorded_by=ACTOR,
                                        reason="本人申请删除个人信息")
                self._did("PersonalDataErased")
        for w in self._pick(1 if len(self.workers) < 1000 else 2, lambda w: True, 200):
            led.expel(w.member_id, recorded_by=ACTOR, reason=EXPULSION,
                      effective_on=self._day(w.join_on + timedelta(days=60), self.today))
            self._did("Expelled")
        for w in self._pick(self.share(0.003, 1), lambda w: True, 60):
            phone = "1" + rng.choice("35789") + f"{rng.randint(0, 999_999_999):09d}"
            led.correct_details(w.member_id, recorded_by=ACTOR, reason="会员更换手机号码",
                                details=replace(w.details, phone=phone),
                                effective_on=self._day(w.join_on, self.today))
            self._did("DetailsCorrected")

    def delegations(self) -> None:
        """R4 委托代管: the agency's union hands day-to-day care to the using unit's union."""
        def ok(w: Worker) -> bool:
            if w.relation is not EmploymentRelation.DISPATCHED or not w.using_key:
                return False
            using = self.world.employer(w.using_key).union_code
            return bool(using) and w.union != using
        for w in self._pick(self.share(0.01, 1), ok, 30):
            to = self.world.employer(w.using_key or "").union_code or ""
            self.ledger.delegate_management(w.member_id, to_union_code=to, recorded_by=ACTOR,
                                            reason="派遣单位工会委托用工单位工会日常管理",
                                            effective_on=self._day(w.join_on, self.today))
            self._did("ManagementDelegated")

    def _rejoin(self, w: Worker, on: date) -> None:
        situation = w.situation(self.world)
        union = choose_union(self.world, situation, self.rng)
        self.ledger.join(JoinRequest(
            details=w.details, union_code=union, worker_group=w.group, channel="union_office",
            situation=situation, recorded_by=ACTOR, effective_on=on,
        ))
        w.union = union
        self._did("Joined")
