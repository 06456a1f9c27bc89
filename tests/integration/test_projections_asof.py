"""As-of reads on business dates: rosters and counts on a past date equal what they were on that
date, after later transfers, withdrawals and a move of the union in the tree."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from api.wiring import Runtime
from projections import ReadStore, Runner
from tests.builders import build_tree, join_request, person, self_employed
from tests.integration.projections_support import read_side  # noqa: F401 - fixture

Side = tuple[ReadStore, Runner]
STATE = ("member_id", "union_code", "destination_union_code", "status", "since",
         "worker_group", "channel", "joined_on")


def _roster(store: ReadStore, code: str, **kw: Any) -> list[tuple[Any, ...]]:
    rows, cursor = store.roster(code, subtree=True, limit=500, **kw)
    assert cursor is None
    return [tuple(r[k] for k in STATE) for r in rows]


def _cells(store: ReadStore, code: str, **kw: Any) -> tuple[list[Any], list[Any]]:
    c = store.counts(code, **kw)
    return c["self"]["cells"], c["subtree"]["cells"]


def test_rosters_and_counts_as_of_a_past_date_equal_what_they_were_on_that_date(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    where = ((tree.township, "350203001001"), (tree.township2, "350206001001"))
    ids = [led.join(join_request(person(random.Random(i)), where[i % 2][0],
                                 situation=self_employed(where[i % 2][1]),
                                 group=("courier", "food_delivery_rider")[i % 3 == 0],
                                 effective_on=date(2025, 1, 10 + i))).id for i in range(6)]
    runner.catch_up()
    watched = (tree.township, tree.township2, tree.county, tree.county2, tree.city)
    then = {c: (_roster(store, c), _cells(store, c)) for c in watched}

    # later business: two transfers (one accepted), a retirement and a withdrawal
    led.transfer_out(ids[0], destination_code=tree.township2, reason="换工作地", recorded_by="o",
                     effective_on="2025-06-01")
    led.transfer_in(ids[0], union_code=tree.township2, recorded_by="o", effective_on="2025-06-15")
    led.transfer_out(ids[2], destination_code=tree.village, reason="搬家", recorded_by="o",
                     effective_on="2025-06-03")
    led.retain(ids[1], cause="retirement", recorded_by="o", effective_on="2025-07-01")
    last = led.withdraw(ids[4], recorded_by="o", effective_on="2025-08-01")
    assert store.wait_for(last.position)

    for code in watched:
        assert (_roster(store, code, as_of=date(2025, 3, 1)),
                _cells(store, code, as_of=date(2025, 3, 1))) == then[code], code
    assert _roster(store, tree.county, as_of=date(2025, 3, 1)) != _roster(store, tree.county)
    # in between, on 2025-06-10: both are in transit, still held by their origin
    mid = {r[0]: r for r in _roster(store, tree.city, as_of=date(2025, 6, 10))}
    assert (mid[ids[0]][1], mid[ids[0]][3]) == (tree.township, "in_transit")
    assert (mid[ids[2]][1], mid[ids[2]][2], mid[ids[2]][3]) == (
        tree.township, tree.village, "in_transit")
    on = store.counts(tree.county2, as_of=date(2025, 6, 20))["subtree"]["by_status"]
    assert on["active"] == 4  # three joined there, plus the accepted transfer
    # today the as-of answer is the live answer
    for code in watched:
        assert _cells(store, code, as_of=runtime.ledger.today()) == _cells(store, code)


def test_as_of_subtree_counts_follow_the_tree_as_it_was_on_that_date(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, _ = read_side
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    for i in range(3):
        led.join(join_request(person(random.Random(i)), tree.village, effective_on="2025-02-01"))
    moved = led.reparent_union(tree.township, parent_code=tree.county2, recorded_by="o",
                               reason="街道划转", effective_on="2025-09-01")
    assert store.wait_for(moved.position)

    before, after = date(2025, 8, 31), date(2025, 9, 1)
    assert store.counts(tree.county, as_of=before)["subtree"]["total"] == 3
    assert store.counts(tree.county2, as_of=before)["subtree"]["total"] == 0
    assert store.counts(tree.county, as_of=after)["subtree"]["total"] == 0
    assert store.counts(tree.county2, as_of=after)["subtree"]["total"] == 3
    assert store.counts(tree.city, as_of=before)["subtree"]["total"] == 3
    assert len(store.roster(tree.county, subtree=True, as_of=before)[0]) == 3
    assert store.roster(tree.county, subtree=True, as_of=after)[0] == []

    kids_then = {c["union_code"]: c["subtree"]["total"]
                 for c in store.child_counts(tree.county, as_of=before)}
    assert kids_then[tree.township] == 3
    kids_now = {c["union_code"]: c["subtree"]["total"] for c in store.child_counts(tree.county2)}
    assert kids_now == {tree.township: 3, tree.township2: 0}
    assert store.counts(tree.county, as_of=date(2019, 12, 31))["subtree"]["total"] == 0
