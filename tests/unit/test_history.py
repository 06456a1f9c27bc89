"""domain.history and domain.roster_changes on the in-memory ledger: histories with the state
after each event, as-of on both time axes (with a back-dated correction), and roster changes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import ValidationError
from domain.history import as_effective, as_recorded, membership_history, union_history
from domain.roster_changes import membership_events, roster_changes
from tests.builders import build_tree, join_request, person
from tests.unit.memledger import TODAY, memory_ledger


@pytest.fixture
def ledger():
    return memory_ledger()


@pytest.fixture
def tree(ledger):
    return build_tree(ledger)


def _join(ledger, tree, seed=1, union=None, effective_on=date(2026, 3, 1)):
    req = join_request(person(random.Random(seed)), union or tree.township,
                       effective_on=effective_on)
    return ledger.join(req).id


def _between(earlier: datetime, later: datetime) -> datetime:
    return earlier + (later - earlier) / 2


def test_a_membership_history_lists_every_event_with_actor_reason_and_state_after_it(ledger,
                                                                                      tree):
    mid = _join(ledger, tree)
    ledger.transfer_out(mid, destination_code=tree.industry, reason="换站点",
                        recorded_by="official-2", effective_on="2026-05-01")
    ledger.transfer_in(mid, union_code=tree.industry, recorded_by="official-3",
                       effective_on="2026-05-03")
    ledger.retain(mid, cause="unemployment", recorded_by="official-3", reason="失业")
    entries = membership_history(ledger.events.get(ledger.get_membership(mid).id))
    assert [e.type for e in entries] == ["Joined", "TransferredOut", "TransferredIn", "Retained"]
    assert [e.label_zh for e in entries] == ["入会", "转出", "转入", "保留会籍"]
    assert [e.recorded_by for e in entries] == ["official-1", "official-2", "official-3",
                                                "official-3"]
    assert entries[1].reason == "换站点" and entries[1].effective_on == date(2026, 5, 1)
    assert [(e.union_code, e.status) for e in entries] == [
        (tree.township, "active"), (tree.township, "in_transit"),
        (tree.industry, "active"), (tree.industry, "retained")]
    assert entries[1].details == {"from_union_id": tree.township,
                                  "destination_union_id": tree.industry}
    assert all(e.recorded_at.tzinfo is not None for e in entries)
    assert entries[0].details["personal"] == {"sealed": True, "text": "（已加密）"}


def test_after_erasure_the_history_keeps_every_event_and_shows_personal_fields_erased(ledger,
                                                                                       tree):
    mid = _join(ledger, tree)
    ledger.erase_personal_data(mid, recorded_by="dpo", reason="本人申请删除")
    events = ledger.history(mid)
    entries = membership_history(events, reveal=lambda t: {"name": "never called"})
    assert [e.type for e in entries] == ["Joined", "PersonalDataErased"]
    assert entries[0].details["personal"] == {"erased": True, "text": "（已删除）"}
    assert entries[1].reason == "本人申请删除" and entries[1].status == "active"


def test_a_back_dated_transfer_changes_the_effective_past_but_not_the_recorded_past(ledger,
                                                                                     tree):
    mid = _join(ledger, tree, effective_on=date(2026, 1, 5))
    ledger.transfer_out(mid, destination_code=tree.industry, reason="补录：两个月前已转走",
                        recorded_by="official-2", effective_on=TODAY - timedelta(days=61))
    ledger.transfer_in(mid, union_code=tree.industry, recorded_by="official-3",
                       effective_on=TODAY - timedelta(days=60))
    events = ledger.history(mid)
    joined_at, corrected_at = events[0].timestamp, events[1].timestamp
    month_ago = TODAY - timedelta(days=30)
    assert as_effective(events, month_ago).union_id == tree.industry
    before_correction = as_recorded(events, _between(joined_at, corrected_at))
    assert before_correction.union_id == tree.township and before_correction.version == 1
    # the recorded answer for a past moment stays the same whatever the query date
    assert as_recorded(events, joined_at).union_id == tree.township
    assert as_recorded(events, events[-1].timestamp).union_id == tree.industry
    # before the transfer's effective date the member was at the township on both axes
    in_between = as_effective(events, TODAY - timedelta(days=61))
    assert in_between.status == "in_transit" and in_between.union_id == tree.township
    assert as_effective(events, date(2026, 2, 1)).union_id == tree.township


def test_before_the_join_neither_axis_has_a_membership(ledger, tree):
    mid = _join(ledger, tree, effective_on=date(2026, 3, 1))
    events = ledger.history(mid)
    assert as_effective(events, date(2026, 2, 28)) is None
    assert as_recorded(events, events[0].timestamp - timedelta(microseconds=1)) is None


def test_an_as_recorded_moment_without_a_time_zone_is_refused(ledger, tree):
    mid = _join(ledger, tree)
    with pytest.raises(ValidationError) as e:
        as_recorded(ledger.history(mid), datetime(2026, 11, 27, 12, 0))
    assert e.value.code == "recorded_at.naive" and e.value.field == "recorded_at"


def test_a_union_history_shows_establishment_rename_reparenting_and_dissolution(ledger, tree):
    ledger.rename_union(tree.village, name="中华社区联合工会", recorded_by="county-1",
                        reason="更名")
    ledger.reparent_union(tree.village, parent_code=tree.county, recorded_by="county-1",
                          reason="调整隶属")
    ledger.dissolve_union(tree.village, recorded_by="county-1", reason="社区合并")
    union = ledger.get_union(tree.village)
    entries = union_history(ledger.events.get(union.id))
    assert [e.label_zh for e in entries] == ["建立工会", "更名", "调整上级工会", "撤销工会"]
    assert entries[1].state["name"] == "中华社区联合工会"
    assert entries[2].state["parent_code"] == tree.county
    assert entries[2].details["old_parent_code"] == tree.township
    assert entries[3].state["dissolved"] is True and entries[3].reason == "社区合并"
    old = as_recorded(ledger.events.get(union.id), entries[0].recorded_at)
    assert old.name == "中华社区工会" and old.parent_code == tree.township


def test_roster_changes_list_joins_transfers_retentions_and_endings_within_the_period(ledger,
                                                                                       tree):
    a = _join(ledger, tree, seed=1, effective_on=date(2026, 2, 1))
    b = _join(ledger, tree, seed=2, effective_on=date(2026, 3, 1))
    c = _join(ledger, tree, seed=3, union=tree.industry, effective_on=date(2026, 3, 2))
    ledger.transfer_out(b, destination_code=tree.industry, reason="换工作", recorded_by="o",
                        effective_on="2026-04-01")
    ledger.transfer_in(b, union_code=tree.industry, recorded_by="o", effective_on="2026-04-02")
    ledger.retain(a, cause="retirement", recorded_by="o", effective_on="2026-04-10")
    ledger.withdraw(a, recorded_by="o", effective_on="2026-06-01")
    ledger.expel(c, recorded_by="o", reason="严重违纪", effective_on="2026-05-05")
    got = roster_changes(membership_events(ledger), tree.township, date(2026, 3, 1),
                         date(2026, 5, 31))
    assert [(ch.change, ch.member_id) for ch in got] == [
        ("joined", b), ("transferred_out", b), ("retained", a)]
    assert got[1].other_union == tree.industry and got[1].reason == "换工作"
    industry = roster_changes(membership_events(ledger), tree.industry)
    assert [(ch.label_zh, ch.other_union) for ch in industry] == [
        ("入会", None), ("转入", tree.township), ("开除会籍", None)]


def test_roster_changes_refuse_a_period_that_ends_before_it_starts(ledger, tree):
    with pytest.raises(ValidationError) as e:
        roster_changes([], tree.township, date(2026, 5, 1), date(2026, 4, 1))
    assert e.value.code == "period.order"


def test_members_held_at_the_parent_appear_on_both_rosters(ledger, tree):
    mid = _join(ledger, tree, union=tree.village)
    ledger.dissolve_union(tree.village, recorded_by="county-1", reason="社区合并",
                          effective_on="2026-06-01")
    out = roster_changes(membership_events(ledger), tree.village)
    into = roster_changes(membership_events(ledger), tree.township)
    assert [(c.change, c.other_union) for c in out] == [("joined", None),
                                                        ("held_out", tree.township)]
    assert [(c.change, c.member_id) for c in into] == [("held_in", mid)]


def test_a_moment_in_utc_and_in_beijing_time_give_the_same_recorded_answer(ledger, tree):
    mid = _join(ledger, tree)
    events = ledger.history(mid)
    at = events[0].timestamp.astimezone(UTC)
    beijing = at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert as_recorded(events, at).version == as_recorded(events, beijing).version == 1
