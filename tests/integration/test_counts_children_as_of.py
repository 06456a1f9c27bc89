"""Drill-down counts as of a date come from one scan of the periods for all children; each child's
figure must equal that child's own subtree count as of the same date, across a move in the tree."""

from __future__ import annotations

import random
from datetime import date

from api.wiring import Runtime
from projections import ReadStore, Runner
from tests.builders import build_tree, join_request, person, self_employed
from tests.integration.projections_support import read_side  # noqa: F401 - fixture


def test_each_childs_count_as_of_a_date_equals_its_own_subtree_count_on_that_date(
    runtime: Runtime, read_side: tuple[ReadStore, Runner],  # noqa: F811
) -> None:
    store, _ = read_side
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    places = ((tree.village, None), (tree.township, "350203001001"),
              (tree.township2, "350206001001"), (tree.industry, None))
    ids = []
    for i in range(12):
        union, region = places[i % len(places)]
        situation = self_employed(region) if region else None
        kw = {"situation": situation} if situation else {}
        ids.append(led.join(join_request(person(random.Random(100 + i)), union,
                                         effective_on=date(2025, 1, 2 + i), **kw)).id)
    led.withdraw(ids[0], recorded_by="o", effective_on="2025-03-01")
    led.transfer_out(ids[1], destination_code=tree.township2, reason="换工作地", recorded_by="o",
                     effective_on="2025-04-01")
    last = led.reparent_union(tree.township, parent_code=tree.county2, recorded_by="o",
                              reason="街道划转", effective_on="2025-09-01")
    assert store.wait_for(last.position)

    checked = 0
    for parent in (tree.acftu, tree.province, tree.city, tree.county, tree.county2):
        for on in (date(2025, 1, 8), date(2025, 3, 15), date(2025, 8, 31), date(2025, 9, 1)):
            for kid in store.child_counts(parent, as_of=on):
                own = store.counts(kid["union_code"], as_of=on)["subtree"]
                assert kid["subtree"] == own, (parent, on, kid["union_code"])
                checked += own["total"]
    assert checked > 0
    moved = {k["union_code"]: k["subtree"]["total"]
             for k in store.child_counts(tree.county2, as_of=date(2025, 9, 1))}
    assert moved[tree.township] > 0  # the moved township counts under its new parent
