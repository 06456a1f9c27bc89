"""The demo dataset: a real union tree in two provinces down to villages, every membership
event type, members only in living unions — loaded through the ledger's own commands."""

from __future__ import annotations

from collections import Counter

import pytest

from api.demo import DemoRefusedError, load_demo
from api.settings import Settings
from api.wiring import build_runtime
from domain.membership import Membership
from domain.union import Union
from tests.conftest import TODAY

# the event classes written in domain/membership.py (each applies itself); not the library's
MEMBERSHIP_EVENTS = sorted(
    name for name, cls in vars(Membership).items()
    if isinstance(cls, type) and issubclass(cls, Membership.Event) and "apply" in vars(cls)
)


def _stored(ledger):
    """(topic class name, originator id) of every stored event, in order."""
    out = []
    for n in ledger.recorder.select_notifications(start=1, limit=10**9):
        out.append((tuple(n.topic.split(":")[-1].split(".")[-2:]), n.originator_id))
    return out


def _union_codes(ledger):
    return sorted(ledger.repository.get(oid).code for (agg, ev), oid in _stored(ledger)
                  if agg == "Union" and ev == "Established")


@pytest.fixture
def loaded(runtime):
    progress = []
    summary = load_demo(runtime.ledger, members=300, seed=2021,
                        progress=lambda done, total: progress.append((done, total)))
    return runtime.ledger, summary, progress


def test_the_demo_tree_reaches_villages_in_at_least_two_provinces(loaded):
    ledger, summary, _ = loaded
    unions = {oid for (agg, _ev), oid in _stored(ledger) if agg == "Union"}
    nodes = [ledger.repository.get(uid) for uid in unions]
    assert all(isinstance(u, Union) for u in nodes)
    provinces_with_villages = set()
    for village in (u for u in nodes if u.level == "village"):
        chain = [village.level] + [a.level for a in ledger.ancestors(village.code)]
        assert chain == ["village", "township", "county", "city", "province", "national"]
        provinces_with_villages.add(village.region_code[:2])
    assert len(provinces_with_villages) >= 2
    kinds = Counter(u.kind for u in nodes)
    for kind in ("township", "village", "industry_federation", "joint", "development_zone",
                 "enterprise"):
        assert kinds[kind] > 0, kind
    assert summary.provinces >= 2


def test_every_demo_member_is_held_by_a_union_that_exists_and_is_not_dissolved(loaded):
    ledger, summary, _ = loaded
    members = {oid for (agg, _ev), oid in _stored(ledger) if agg == "Membership"}
    assert len(members) == summary.members == 300
    for mid in members:
        m = ledger.get_membership(mid)
        union = ledger.get_union(m.union_id)  # raises NotFoundError if it does not exist
        if m.holds:
            assert not union.dissolved, (m.union_id, m.status)


def test_the_demo_records_every_membership_event_type(loaded):
    ledger, summary, progress = loaded
    seen = Counter(ev for (agg, ev), _ in _stored(ledger) if agg == "Membership")
    assert MEMBERSHIP_EVENTS and sorted(seen) == MEMBERSHIP_EVENTS
    assert {k: v for k, v in summary.events.items()} == dict(seen)
    assert progress[-1][0] == progress[-1][1]


def test_the_same_seed_gives_the_same_demo_and_a_second_load_is_refused(loaded, tmp_path):
    ledger, summary, _ = loaded
    other = build_runtime(Settings(data_dir=tmp_path / "again"), today=lambda: TODAY)
    try:
        assert load_demo(other.ledger, members=300, seed=2021) == summary
        assert _union_codes(other.ledger) == _union_codes(ledger)
    finally:
        other.close()
    before = ledger.recorder.max_notification_id()
    with pytest.raises(DemoRefusedError) as refused:
        load_demo(ledger, members=300, seed=2021)
    assert refused.value.code == "demo.ledger_not_empty"
    assert ledger.recorder.max_notification_id() == before
