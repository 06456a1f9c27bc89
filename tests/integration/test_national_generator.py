"""The national generator: every province down to villages, every channel and key group, every
transfer state and a 200-event history, recorded through the ledger's own checked commands."""

from __future__ import annotations

import random
from datetime import date
from uuid import UUID

import pytest

from api.demo import DemoRefusedError
from api.national import generate_national
from api.national_batch import unit_of_work
from api.national_geo import PROVINCES, shape_for
from api.national_people import resident_id
from api.wiring import Runtime
from domain.enums import Channel, Status
from domain.errors import InvalidTransitionError
from domain.membership import Membership
from domain.values.resident_id import parse_resident_id
from tests.builders import build_tree, join_request, person


def test_a_small_national_ledger_covers_every_province_channel_and_transfer_state(
        runtime: Runtime) -> None:
    s = generate_national(runtime.ledger, members=400, seed=7)
    ledger = runtime.ledger
    root = ledger.get_union(s.root)
    assert root.parent_code is None and root.level == "national"
    assert s.unions["village"] == shape_for(400).villages_total and s.unions["township"] >= 31
    assert {u.region_code[:2] for u in map(ledger.get_union, _province_codes(runtime, s.root))} \
        == {pp for pp, _ in PROVINCES}
    assert set(s.channels) == {c.value for c in Channel}
    key_groups = {"courier", "food_delivery_rider", "ride_hailing_driver", "truck_driver"}
    assert key_groups <= set(s.groups)
    assert {"completed", "cancelled"} <= set(s.transfers)
    assert s.transfers["in_transit"] + s.transfers["in_transit_overdue"] > 0
    long = ledger.get_membership(s.long_history or "")
    assert long.version == 201 and long.status == Status.ACTIVE
    assert ledger.find_membership(resident_id(0)) is not None  # benchmarks recompute IDs


def test_generated_resident_ids_are_valid_and_distinct() -> None:
    ids = [resident_id(i) for i in range(0, 2_000_000, 997)]
    assert len(set(ids)) == len(ids)
    for rid in ids[:300]:
        assert parse_resident_id(rid, today=date(2026, 11, 28)).number == rid


def test_the_generator_refuses_a_ledger_that_already_holds_events(runtime: Runtime) -> None:
    build_tree(runtime.ledger)
    with pytest.raises(DemoRefusedError):
        generate_national(runtime.ledger, members=10)


def test_commands_in_a_unit_of_work_see_each_other_and_are_saved_together(
        runtime: Runtime) -> None:
    ledger = runtime.ledger
    tree = build_tree(ledger)
    req = join_request(person(random.Random(3)), tree.village, effective_on="2026-01-05")
    mid = ledger.join(req).id
    with unit_of_work(ledger) as uow:
        ledger.transfer_out(mid, destination_code=tree.township, reason="换工作地",
                            recorded_by="t", effective_on="2026-02-01")
        ledger.transfer_in(mid, union_code=tree.township, recorded_by="t",
                           effective_on="2026-02-03")
        with pytest.raises(InvalidTransitionError):  # the unit's state, not the stored one
            ledger.transfer_in(mid, union_code=tree.township, recorded_by="t")
        assert len(list(ledger.events.get(UUID(mid)))) == 1  # nothing stored yet
    assert uow.saved == 2
    m: Membership = ledger.get_membership(mid)
    assert m.version == 3 and m.union_id == tree.township and m.status == Status.ACTIVE


def _province_codes(runtime: Runtime, root: str) -> list[str]:
    from projections import open_read_side

    store, runner = open_read_side(runtime, start_runner=False)
    runner.catch_up()
    with store.db.read() as tx:
        return [r[0] for r in tx.all("SELECT code FROM @unions WHERE parent_code=?", (root,))]
