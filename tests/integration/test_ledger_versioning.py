"""Stored events outlive code changes: v1 Joined events upcast, snapshots reload, both backends."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from api.wiring import build_runtime
from domain.membership import Membership
from tests.builders import build_tree, join_request, person

TODAY = date(2026, 11, 28)


def _v1_joined(ledger, tree, details):
    """A Joined event as v1 code stored it: no campaign_id, no class_version in the state."""
    mid = ledger.identity.membership_id(details.resident_id)
    m = Membership._create(
        Membership.Joined, id=mid, union_id=tree.village, worker_group="courier",
        channel="online", employment={"relation": "platform_self_employed",
                                      "employer_code": None, "using_unit_code": None,
                                      "work_region": "350203001001",
                                      "residence_region": None},
        personal=ledger.vault.seal(str(mid), details), basis="R3 v1", campaign_id="dropped",
        effective_on=date(2021, 6, 1), recorded_by="v1-official", reason=None,
    )
    (event,) = m.collect_events()
    mapper = ledger.mapper
    stored = mapper.to_stored_event(event)
    raw = stored.state
    if mapper.cipher:
        raw = mapper.cipher.decrypt(raw)
    if mapper.compressor:
        raw = mapper.compressor.decompress(raw)
    state = mapper.transcoder.decode(raw)
    assert state.pop("class_version") == 2  # what v2 code writes
    del state["campaign_id"]
    raw = mapper.transcoder.encode(state)
    if mapper.compressor:
        raw = mapper.compressor.compress(raw)
    if mapper.cipher:
        raw = mapper.cipher.encrypt(raw)
    return mid, replace(stored, state=raw)


def test_a_stored_v1_joined_event_is_read_back_with_campaign_id_none(runtime):
    ledger = runtime.ledger
    tree = build_tree(ledger)
    details = person(random.Random(61))
    mid, stored = _v1_joined(ledger, tree, details)
    ledger.recorder.insert_events([stored])
    (joined,) = ledger.history(mid)
    assert type(joined) is Membership.Joined
    assert joined.campaign_id is None and joined.basis == "R3 v1"
    m = ledger.get_membership(mid)
    assert (m.status, m.union_id, m.joined_on) == ("active", tree.village, date(2021, 6, 1))
    assert ledger.personal_details(m) == details
    # and the v1 history carries on under v2 code
    ledger.transfer_out(mid, destination_code=tree.township2, reason="搬家", recorded_by="o")
    assert [type(e).__name__ for e in ledger.history(mid)] == ["Joined", "TransferredOut"]


def test_a_membership_with_many_events_reloads_from_a_snapshot_and_later_events(runtime):
    ledger = runtime.ledger
    tree = build_tree(ledger)
    mid = ledger.join(join_request(person(random.Random(63)), tree.village)).id
    here, there = tree.village, tree.township2
    for _ in range(60):
        ledger.transfer_out(mid, destination_code=there, reason="轮岗", recorded_by="o")
        ledger.transfer_in(mid, union_code=there, recorded_by="o")
        here, there = there, here
    ledger.withdraw(mid, recorded_by="o")
    ledger.join(join_request(person(random.Random(63)), tree.township))  # rejoin after snapshot
    assert ledger.get_membership(mid).version == 123
    snapshots = list(ledger.snapshots.get(ledger.get_membership(mid).id))
    assert [s.originator_version for s in snapshots] == [50, 100]

    replayed = None
    for event in ledger.events.get(ledger.get_membership(mid).id):
        replayed = event.mutate(replayed)
    second = build_runtime(runtime.settings, today=lambda: TODAY)  # a fresh process, in effect
    try:
        reloaded = second.ledger.get_membership(mid)
    finally:
        second.close()
    for m in (ledger.get_membership(mid), reloaded):
        assert m.version == replayed.version == 123
        assert (m.status, m.union_id, m.joined_on) == ("active", tree.township, TODAY)
        assert m.__dict__ == replayed.__dict__
