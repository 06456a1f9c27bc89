"""Joining campaigns (art. 14) on SQLite and PostgreSQL: launch, automatic attribution of joins
in period and region, naming a campaign, closing, and progress against targets."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from api.importer.run import run_import
from domain.errors import NotFoundError, RuleViolationError, ValidationError
from tests.builders import build_tree, join_request, person, self_employed
from tests.import_sheets import valid_row, xlsx_bytes


@pytest.fixture
def tree(runtime):
    return build_tree(runtime.ledger)


def launch(runtime, tree, cid="XM-2026-11", region="350203", start="2026-11-01",
           end="2026-11-30", targets=None):
    return runtime.ledger.launch_campaign(
        campaign_id=cid, name="思明区新就业形态劳动者入会集中行动", organiser_code=tree.county,
        region_code=region, period_from=start, period_to=end,
        targets=targets if targets is not None else {"courier": 3, "food_delivery_rider": 2},
        recorded_by="official-1")


def join(runtime, union, seed, on="2026-11-10", situation=None, group="courier",
         campaign_id=None):
    details = person(random.Random(seed))
    req = join_request(details, union, effective_on=on, situation=situation or self_employed(),
                       group=group)
    runtime.ledger.join(replace(req, campaign_id=campaign_id))
    return runtime.ledger.find_membership(details.resident_id)


def campaign_of(runtime, m):
    return runtime.ledger.history(m.id)[-1].campaign_id


def test_a_join_in_the_period_and_region_of_exactly_one_campaign_is_attributed_to_it(
        runtime, tree):
    launch(runtime, tree)
    inside = join(runtime, tree.township, 1)
    too_early = join(runtime, tree.village, 2, on="2026-10-31")
    elsewhere = join(runtime, tree.township2, 3, situation=self_employed("350206001"))
    assert [campaign_of(runtime, m) for m in (inside, too_early, elsewhere)] == [
        "XM-2026-11", None, None]


def test_with_two_matching_campaigns_none_is_guessed_and_a_named_one_is_kept(runtime, tree):
    launch(runtime, tree)
    launch(runtime, tree, cid="FJ-2026", region="350000", start="2026-01-01", end="2026-12-31")
    guessed = join(runtime, tree.township, 4)
    named = join(runtime, tree.township, 5, campaign_id="FJ-2026")
    assert (campaign_of(runtime, guessed), campaign_of(runtime, named)) == (None, "FJ-2026")


def test_naming_a_campaign_outside_its_period_or_region_is_refused(runtime, tree):
    launch(runtime, tree)
    with pytest.raises(RuleViolationError) as info:
        join(runtime, tree.township, 6, on="2026-10-01", campaign_id="XM-2026-11")
    assert info.value.code == "campaign.out_of_scope"
    with pytest.raises(NotFoundError):
        join(runtime, tree.township, 7, campaign_id="NOPE-1")


def test_a_closed_campaign_no_longer_attracts_joins(runtime, tree):
    launch(runtime, tree)
    runtime.ledger.close_campaign("XM-2026-11", recorded_by="official-1", reason="行动结束")
    assert campaign_of(runtime, join(runtime, tree.township, 8)) is None
    with pytest.raises(RuleViolationError) as info:
        runtime.ledger.close_campaign("XM-2026-11", recorded_by="official-1")
    assert info.value.code == "campaign.closed"


BAD_TERMS = [
    ({"cid": "x"}, "campaign.id_format"),
    ({"start": "2026-12-01", "end": "2026-11-01"}, "campaign.period"),
    ({"targets": {"courier": -1}}, "campaign.target"),
    ({"targets": {"astronaut": 1}}, "invalid_choice"),
    ({"region": "35020X"}, "region_code.format"),
]


def test_a_campaign_with_bad_terms_is_refused(runtime, tree):
    for change, code in BAD_TERMS:  # one database for all cases keeps the suite fast
        with pytest.raises(ValidationError) as info:
            launch(runtime, tree, **change)
        assert info.value.code == code, change


def test_a_campaign_id_is_used_once(runtime, tree):
    launch(runtime, tree)
    with pytest.raises(RuleViolationError) as info:
        launch(runtime, tree)
    assert info.value.code == "campaign.exists"


def test_progress_counts_joins_per_group_and_region_against_the_targets(runtime, tree):
    launch(runtime, tree)
    join(runtime, tree.township, 9, group="courier", campaign_id="XM-2026-11")
    join(runtime, tree.village, 10, group="food_delivery_rider", campaign_id="XM-2026-11")
    rows = [valid_row(random.Random(seed)) | {"worker_group": "快递员", "joined_on": "2026-11-15"}
            for seed in (11, 12)]
    report = run_import(runtime.ledger, xlsx_bytes(rows), union_code=tree.township,
                        channel="ceremony", recorded_by="official-1")
    assert report.recorded == 2  # attributed in the batch path too
    p = runtime.ledger.campaign_progress("XM-2026-11")
    assert p["groups"] == [
        {"worker_group": "courier", "target": 3, "joined": 3},
        {"worker_group": "food_delivery_rider", "target": 2, "joined": 1},
    ]
    assert p["regions"] == [
        {"region_code": "350203001", "worker_group": "courier", "joined": 3},
        {"region_code": "350203001001", "worker_group": "food_delivery_rider", "joined": 1},
    ]
    assert p["total"] == {"target": 5, "joined": 4}


def test_a_national_campaign_with_a_chinese_id_covers_every_region(runtime, tree):
    launch(runtime, tree, cid="2026-暖心行动集中入会", region="000000")
    elsewhere = join(runtime, tree.township2, 13, situation=self_employed("350206001"))
    assert campaign_of(runtime, elsewhere) == "2026-暖心行动集中入会"


def test_the_dashboards_campaign_joins_as_of_a_date_count_the_subtrees_joins_up_to_that_day(
        runtime, tree):
    """Reports.campaign_joins: whole months from the subtree's monthly counters, the as-of
    month's less its days after the date (summed over the subtree's own daily counters)."""
    from datetime import date

    from projections import open_read_side
    from projections.reports import Reports

    launch(runtime, tree, cid="XM-2026", start="2026-09-01", end="2026-12-31")
    join(runtime, tree.village, 11, on="2026-09-05")
    join(runtime, tree.township, 12, on="2026-10-10")
    join(runtime, tree.village, 13, on="2026-10-20")
    store, runner = open_read_side(runtime, start_runner=False)
    try:
        runner.catch_up()
        reports = Reports(store.db)

        def joins(code, day):
            return [(c["joined"], c["first"], c["last"]) for c in reports.campaign_joins(
                code, as_of=date.fromisoformat(day)) if c["campaign_id"] == "XM-2026"]

        assert joins(tree.acftu, "2026-08-31") == []
        assert joins(tree.acftu, "2026-10-09") == [(1, "2026-09", "2026-09")]  # not October
        assert joins(tree.county, "2026-10-10") == [(2, "2026-09", "2026-10")]
        assert joins(tree.county, "2026-10-31") == [(3, "2026-09", "2026-10")]
        assert joins(tree.township, "2026-10-15") == [(2, "2026-09", "2026-10")]  # + village
        assert joins(tree.village, "2026-10-15") == [(1, "2026-09", "2026-09")]
    finally:
        store.close()
