"""R5-R7: transfers, retained membership and endings, asserted on the events they record."""

from __future__ import annotations

import random

import pytest

from domain.errors import (
    AlreadyMemberError,
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from tests.builders import build_tree, join_request, person
from tests.unit.memledger import memory_ledger, new_events, position, refused


@pytest.fixture
def ledger():
    return memory_ledger()


@pytest.fixture
def tree(ledger):
    return build_tree(ledger)


@pytest.fixture
def member(ledger, tree):
    return ledger.join(join_request(person(random.Random(21)), tree.village,
                                    effective_on="2025-01-01")).id


def out(ledger, mid, dest, reason="劳动关系变更", **kw):
    return ledger.transfer_out(mid, destination_code=dest, reason=reason, recorded_by="o", **kw)


def status(ledger, mid):
    m = ledger.get_membership(mid)
    return m.status, m.union_id, m.destination_union_id


# -- R5 transfers ----------------------------------------------------------------------------


def test_a_transfer_out_puts_the_member_in_transit_towards_the_destination(ledger, tree, member):
    before = position(ledger)
    out(ledger, member, tree.township2, effective_on="2026-10-01")
    assert new_events(ledger, before) == ["TransferredOut"]
    ev = ledger.history(member)[-1]
    assert (ev.from_union_id, ev.destination_union_id, ev.reason) == (
        tree.village, tree.township2, "劳动关系变更")
    assert status(ledger, member) == ("in_transit", tree.village, tree.township2)


def test_a_transfer_out_needs_a_reason(ledger, tree, member):
    e = refused(ledger, ValidationError, out, ledger, member, tree.township2, reason=" ")
    assert (e.code, e.field) == ("reason.required", "reason")


def test_a_transfer_out_to_the_current_or_an_unknown_union_is_refused(ledger, tree, member):
    e = refused(ledger, RuleViolationError, out, ledger, member, tree.village)
    assert (e.code, e.field, e.rule) == ("transfer.bad_destination", "destination_code", "R5")
    e = refused(ledger, NotFoundError, out, ledger, member, tree.platform)
    assert (e.code, e.field) == ("union.not_found", "destination_code")


@pytest.mark.parametrize("setup", ["in_transit", "retained", "withdrawn", "expelled"])
def test_a_transfer_out_is_refused_unless_the_member_is_active(ledger, tree, member, setup):
    {"in_transit": lambda: out(ledger, member, tree.township2),
     "retained": lambda: ledger.retain(member, cause="unemployment", recorded_by="o"),
     "withdrawn": lambda: ledger.withdraw(member, recorded_by="o"),
     "expelled": lambda: ledger.expel(member, recorded_by="o", reason="严重违纪")}[setup]()
    e = refused(ledger, InvalidTransitionError, out, ledger, member, tree.township)
    assert (e.code, e.field, e.rule) == ("membership.cannot_transfer_out", "status", "R5")
    assert e.details == {"status": setup}


def test_a_transfer_in_is_accepted_only_at_the_named_destination(ledger, tree, member):
    out(ledger, member, tree.township2)
    e = refused(ledger, RuleViolationError, ledger.transfer_in, member, union_code=tree.township,
                recorded_by="o")
    assert (e.code, e.field, e.rule) == ("transfer.wrong_destination", "union_code", "R5")
    before = position(ledger)
    ledger.transfer_in(member, union_code=tree.township2, recorded_by="o")
    assert new_events(ledger, before) == ["TransferredIn"]
    ev = ledger.history(member)[-1]
    assert (ev.union_id, ev.from_union_id) == (tree.township2, tree.village)
    assert status(ledger, member) == ("active", tree.township2, None)


def test_a_transfer_in_without_a_transfer_out_is_refused(ledger, tree, member):
    e = refused(ledger, InvalidTransitionError, ledger.transfer_in, member,
                union_code=tree.township2, recorded_by="o")
    assert (e.code, e.rule) == ("membership.cannot_transfer_in", "R5")


def test_a_cancelled_transfer_returns_the_member_to_the_origin(ledger, tree, member):
    out(ledger, member, tree.township2)
    e = refused(ledger, ValidationError, ledger.cancel_transfer, member, reason="",
                recorded_by="o")
    assert e.code == "reason.required"
    before = position(ledger)
    ledger.cancel_transfer(member, reason="接收工会拒绝", recorded_by="o")
    assert new_events(ledger, before) == ["TransferCancelled"]
    assert status(ledger, member) == ("active", tree.village, None)
    e = refused(ledger, InvalidTransitionError, ledger.cancel_transfer, member, reason="再次",
                recorded_by="o")
    assert e.code == "membership.cannot_cancel_transfer"


def test_a_join_while_in_transit_is_refused(ledger, tree):
    details = person(random.Random(22))
    mid = ledger.join(join_request(details, tree.village)).id
    out(ledger, mid, tree.township2)
    e = refused(ledger, AlreadyMemberError, ledger.join, join_request(details, tree.township2))
    assert e.details["union_code"] == tree.village


def test_a_stale_expected_version_is_a_conflict_and_records_nothing(ledger, tree, member):
    e = refused(ledger, ConflictError, out, ledger, member, tree.township2, expected_version=7)
    assert (e.code, e.field, e.details) == ("version_mismatch", "If-Match", {"current_version": 1})


def test_an_unknown_or_malformed_member_id_is_refused(ledger, tree):
    e = refused(ledger, NotFoundError, out, ledger, "00000000-0000-4000-8000-000000000000",
                tree.township2)
    assert (e.code, e.field) == ("membership.not_found", "member_id")
    e = refused(ledger, ValidationError, out, ledger, "not-a-uuid", tree.township2)
    assert (e.code, e.field) == ("member_id.format", "member_id")


# -- R6 retained membership, R7 endings -------------------------------------------------------


@pytest.mark.parametrize("cause", ["retirement", "unemployment"])
def test_a_membership_is_retained_on_retirement_or_unemployment_and_reactivated(
    ledger, member, cause
):
    before = position(ledger)
    ledger.retain(member, cause=cause, recorded_by="o")
    assert new_events(ledger, before) == ["Retained"]
    assert ledger.history(member)[-1].cause == cause
    assert ledger.get_membership(member).status == "retained"
    ledger.reactivate(member, recorded_by="o")
    assert new_events(ledger, before) == ["Retained", "Reactivated"]
    assert ledger.get_membership(member).status == "active"


def test_a_retention_for_another_cause_is_refused(ledger, member):
    e = refused(ledger, ValidationError, ledger.retain, member, cause="sabbatical",
                recorded_by="o")
    assert (e.code, e.field, e.rule) == ("retain.cause", "cause", "R6")


def test_only_a_retained_membership_can_be_reactivated(ledger, member):
    e = refused(ledger, InvalidTransitionError, ledger.reactivate, member, recorded_by="o")
    assert (e.code, e.field, e.rule) == ("membership.cannot_reactivate", "status", "R6-R7")


def test_a_retained_membership_cannot_be_retained_again(ledger, member):
    ledger.retain(member, cause="retirement", recorded_by="o")
    e = refused(ledger, InvalidTransitionError, ledger.retain, member, cause="retirement",
                recorded_by="o")
    assert e.code == "membership.cannot_retain"


def test_a_voluntary_withdrawal_needs_no_reason_but_an_automatic_one_does(ledger, tree):
    a = ledger.join(join_request(person(random.Random(23)), tree.village)).id
    b = ledger.join(join_request(person(random.Random(24)), tree.village)).id
    before = position(ledger)
    ledger.withdraw(a, recorded_by="o")
    assert new_events(ledger, before) == ["Withdrew"]
    assert ledger.history(a)[-1].automatic is False
    e = refused(ledger, ValidationError, ledger.withdraw, b, recorded_by="o", automatic=True)
    assert (e.code, e.field) == ("reason.required", "reason")
    ledger.withdraw(b, recorded_by="o", automatic=True,
                    reason="连续6个月未交会费、未参加活动，经教育")
    ev = ledger.history(b)[-1]
    assert (ev.automatic, ev.reason.startswith("连续6个月")) == (True, True)


def test_a_retained_member_may_withdraw(ledger, member):
    ledger.retain(member, cause="retirement", recorded_by="o")
    ledger.withdraw(member, recorded_by="o")
    assert ledger.get_membership(member).status == "withdrawn"


def test_an_expulsion_needs_a_reason(ledger, member):
    e = refused(ledger, ValidationError, ledger.expel, member, recorded_by="o", reason=None)
    assert e.code == "reason.required"
    before = position(ledger)
    ledger.expel(member, recorded_by="o", reason="严重违反会员义务")
    assert new_events(ledger, before) == ["Expelled"]
    assert ledger.get_membership(member).status == "expelled"


@pytest.mark.parametrize("ending", ["withdraw", "expel"])
def test_an_ended_membership_cannot_transfer_retain_or_end_again(ledger, tree, member, ending):
    getattr(ledger, ending)(member, recorded_by="o", reason="理由")
    e = refused(ledger, InvalidTransitionError, out, ledger, member, tree.township2)
    assert e.rule == "R5"
    for cmd, kw in ((ledger.retain, {"cause": "retirement"}), (ledger.withdraw, {}),
                    (ledger.expel, {"reason": "x"})):
        e = refused(ledger, InvalidTransitionError, cmd, member, recorded_by="o", **kw)
        assert (e.field, e.rule) == ("status", "R6-R7")


def test_an_ended_membership_keeps_its_whole_history(ledger, tree, member):
    out(ledger, member, tree.township2)
    ledger.transfer_in(member, union_code=tree.township2, recorded_by="o")
    ledger.withdraw(member, recorded_by="o")
    names = [type(e).__name__ for e in ledger.history(member)]
    assert names == ["Joined", "TransferredOut", "TransferredIn", "Withdrew"]
    assert [e.originator_version for e in ledger.history(member)] == [1, 2, 3, 4]


# -- chronology: a history dated out of order would break as-of rosters -------------------------


def test_a_change_dated_before_the_last_status_change_is_refused(ledger, tree):
    member = ledger.join(join_request(person(random.Random(25)), tree.village,
                                      effective_on="2025-01-01")).id
    e = refused(ledger, ValidationError, out, ledger, member, tree.township2,
                effective_on="2024-12-31")
    assert e.code == "date.before_last_change"
    out(ledger, member, tree.township2, effective_on="2026-10-01")
    e = refused(ledger, ValidationError, ledger.transfer_in, member, union_code=tree.township2,
                recorded_by="o", effective_on="2026-09-30")
    assert (e.code, e.field, e.details) == (
        "date.before_last_change", "effective_on", {"not_before": "2026-10-01"})
    ledger.transfer_in(member, union_code=tree.township2, recorded_by="o",
                       effective_on="2026-10-01")
    e = refused(ledger, ValidationError, ledger.withdraw, member, recorded_by="o",
                effective_on="2026-01-01")
    assert e.code == "date.before_last_change"

