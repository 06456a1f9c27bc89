"""R8 dissolution and closure, R9 the union tree: establishment, reparenting, credit codes."""

from __future__ import annotations

import random
from datetime import date

import pytest

from domain.enums import EmploymentRelation
from domain.errors import NotFoundError, RuleViolationError, ValidationError
from domain.joining import Situation
from domain.values import generate_credit_code
from tests.builders import build_tree, join_request, person, union_code
from tests.unit.memledger import establish, memory_ledger, new_events, position, refused


@pytest.fixture
def ledger():
    return memory_ledger()


@pytest.fixture
def tree(ledger):
    return build_tree(ledger)


def joined(ledger, union, seed, **kw):
    return ledger.join(join_request(person(random.Random(seed)), union, **kw)).id


# -- R8 ------------------------------------------------------------------------------------


def test_dissolving_a_union_holds_its_members_at_the_parent(ledger, tree):
    a, b = joined(ledger, tree.village, 31), joined(ledger, tree.village, 32)
    ledger.retain(b, cause="retirement", recorded_by="o")
    elsewhere = joined(ledger, tree.township, 33)
    before = position(ledger)
    ledger.dissolve_union(tree.village, recorded_by="o", reason="社区合并")
    assert sorted(new_events(ledger, before)) == ["Dissolved", "HeldAtParent", "HeldAtParent"]
    for mid, st in ((a, "active"), (b, "retained")):
        m = ledger.get_membership(mid)
        assert (m.union_id, m.status) == (tree.township, st)
        ev = ledger.history(mid)[-1]
        assert (ev.from_union_id, ev.union_id) == (tree.village, tree.township)
        assert "社区合并" in ev.reason
    assert ledger.get_membership(elsewhere).union_id == tree.township
    assert len(ledger.history(elsewhere)) == 1
    assert ledger.get_union(tree.village).dissolved


def test_members_of_a_union_under_a_dissolved_parent_are_held_at_a_living_ancestor(
    ledger, tree
):
    mid = joined(ledger, tree.village, 34)
    ledger.dissolve_union(tree.township, recorded_by="o", reason="街道撤并")
    ledger.dissolve_union(tree.village, recorded_by="o", reason="社区撤并")
    m = ledger.get_membership(mid)
    assert m.union_id == tree.county
    assert not ledger.get_union(m.union_id).dissolved


def test_a_member_in_transit_to_a_dissolved_union_cannot_be_accepted_there(ledger, tree):
    mid = joined(ledger, tree.village, 35)
    ledger.transfer_out(mid, destination_code=tree.township2, reason="换工作", recorded_by="o")
    ledger.dissolve_union(tree.township2, recorded_by="o", reason="撤销")
    e = refused(ledger, RuleViolationError, ledger.transfer_in, mid, union_code=tree.township2,
                recorded_by="o")
    assert (e.code, e.field, e.rule) == ("union.dissolved", "union_code", "R8")
    ledger.cancel_transfer(mid, reason="接收工会已撤销", recorded_by="o")
    assert ledger.get_membership(mid).union_id == tree.village


def test_closing_an_employer_dissolves_its_union_and_holds_its_members(ledger, tree):
    mid = joined(ledger, tree.platform_union, 36, situation=Situation(
        EmploymentRelation.PLATFORM_SELF_EMPLOYED, employer_code=tree.platform))
    before = position(ledger)
    ledger.close_employer(tree.platform, recorded_by="o", reason="注销登记")
    # one save: the employer's Closed is recorded with the dissolution, before the holds
    assert new_events(ledger, before) == ["Dissolved", "UnionUnlinked", "Closed", "HeldAtParent"]
    assert ledger.get_membership(mid).union_id == tree.county
    emp = ledger.get_employer(tree.platform)
    assert (emp.closed, emp.union_code) == (True, None)
    e = refused(ledger, RuleViolationError, ledger.close_employer, tree.platform,
                recorded_by="o", reason="再次")
    assert (e.code, e.field) == ("employer.closed", "code")


def test_the_root_cannot_be_dissolved_nor_a_union_twice(ledger, tree):
    e = refused(ledger, RuleViolationError, ledger.dissolve_union, tree.acftu, recorded_by="o",
                reason="x")
    assert (e.code, e.field, e.rule) == ("union.root", "code", "R8")
    ledger.dissolve_union(tree.village, recorded_by="o", reason="撤销")
    e = refused(ledger, RuleViolationError, ledger.dissolve_union, tree.village,
                recorded_by="o", reason="x")
    assert (e.code, e.field, e.rule) == ("union.dissolved", "code", "R8")


def test_a_dissolution_needs_a_reason_and_nobody_joins_a_dissolved_union(ledger, tree):
    e = refused(ledger, ValidationError, ledger.dissolve_union, tree.village, recorded_by="o",
                reason="")
    assert e.code == "reason.required"
    ledger.dissolve_union(tree.village, recorded_by="o", reason="撤销")
    e = refused(ledger, RuleViolationError, ledger.join,
                join_request(person(random.Random(37)), tree.village))
    assert (e.code, e.field, e.rule) == ("union.dissolved", "union_code", "R8")


# -- R9 ------------------------------------------------------------------------------------


def test_an_unknown_union_is_not_found_naming_the_field(ledger, tree):
    ghost = union_code(random.Random(1), "350203")
    e = refused(ledger, NotFoundError, ledger.join, join_request(person(random.Random(38)), ghost))
    assert (e.code, e.field) == ("union.not_found", "union_code")
    e = refused(ledger, NotFoundError, establish, ledger, ghost, "township", "township",
                "350203002")
    assert (e.code, e.field) == ("union.not_found", "parent_code")


def test_an_establishment_not_approved_by_the_parent_is_refused(ledger, tree):
    code = union_code(random.Random(2), "350203")
    for approver in (tree.city, None):
        e = refused(ledger, RuleViolationError, ledger.establish_union, code=code, name="某工会",
                    kind="township", level="township", region_code="350203002",
                    parent_code=tree.county, approved_by=approver, recorded_by="o")
        assert (e.code, e.field, e.rule) == ("union.approval_not_by_parent", "approved_by", "R9")


def test_a_union_under_a_dissolved_parent_is_refused(ledger, tree):
    ledger.dissolve_union(tree.township, recorded_by="o", reason="撤销")
    e = refused(ledger, RuleViolationError, establish, ledger, tree.township, "village",
                "village", "350203001002")
    assert (e.code, e.field, e.rule) == ("union.parent_dissolved", "parent_code", "R9")
    e = refused(ledger, RuleViolationError, ledger.reparent_union, tree.village,
                parent_code=tree.township, recorded_by="o")
    assert (e.code, e.rule) == ("union.parent_dissolved", "R9")


def test_a_union_may_be_moved_under_another_parent(ledger, tree):
    before = position(ledger)
    ledger.reparent_union(tree.township, parent_code=tree.county2, recorded_by="o",
                          reason="区划调整")
    assert new_events(ledger, before) == ["Reparented"]
    assert [u.code for u in ledger.ancestors(tree.village)][:3] == [
        tree.township, tree.county2, tree.city]


@pytest.mark.parametrize("target", ["township", "village", "county"])
def test_moving_a_union_under_itself_or_its_descendant_is_refused(ledger, tree, target):
    e = refused(ledger, RuleViolationError, ledger.reparent_union, tree.county,
                parent_code=getattr(tree, target), recorded_by="o")
    assert (e.code, e.field, e.rule) == ("union.reparent_cycle", "parent_code", "R9")


def test_a_union_credit_code_starting_with_8_is_accepted_and_other_codes_refused(ledger, tree):
    grassroots = generate_credit_code(random.Random(3), authority="8", org_type="1",
                                      region_code="350203")
    assert grassroots.startswith("81")
    establish_code(ledger, tree, grassroots)
    assert ledger.get_union(grassroots).code == grassroots
    company = generate_credit_code(random.Random(4), region_code="350203")
    e = refused(ledger, ValidationError, establish_code, ledger, tree, company)
    assert (e.code, e.field, e.rule) == ("union.code_not_union", "code", "R9")
    e = refused(ledger, RuleViolationError, establish_code, ledger, tree, grassroots)
    assert (e.code, e.rule) == ("union.exists", "R9")


def establish_code(ledger, tree, code):
    ledger.establish_union(code=code, name="某联合工会", kind="joint", level="grassroots",
                           region_code="350203", parent_code=tree.county,
                           approved_by=tree.county, recorded_by="o",
                           effective_on=date(2022, 5, 1))


def test_an_enterprise_union_needs_an_employer_without_a_union(ledger, tree):
    code = union_code(random.Random(5), "350203", grassroots=True)
    kw = dict(code=code, name="某企业工会", kind="enterprise", level="grassroots",
              region_code="350203", parent_code=tree.county, approved_by=tree.county,
              recorded_by="o")
    e = refused(ledger, ValidationError, ledger.establish_union, **kw)
    assert (e.code, e.field) == ("union.employer_required", "employer_code")
    e = refused(ledger, RuleViolationError, ledger.establish_union, employer_code=tree.platform,
                **kw)
    assert (e.code, e.field, e.rule) == ("employer.already_has_union", "employer_code", "R2")


def test_no_union_can_be_established_for_a_closed_employer(ledger, tree):
    ledger.close_employer(tree.subsidiary, recorded_by="o", reason="注销")
    code = union_code(random.Random(6), "350206", grassroots=True)
    e = refused(ledger, RuleViolationError, ledger.establish_union, code=code, name="某工会",
                kind="enterprise", level="grassroots", region_code="350206",
                parent_code=tree.county2, approved_by=tree.county2, recorded_by="o",
                employer_code=tree.subsidiary)
    assert (e.code, e.field, e.rule) == ("employer.closed", "employer_code", "R8")


def test_a_member_in_transit_from_a_dissolved_union_stays_in_transit_from_its_holder(
    ledger, tree
):
    mid = joined(ledger, tree.village, 39)
    ledger.transfer_out(mid, destination_code=tree.township2, reason="换工作", recorded_by="o")
    ledger.dissolve_union(tree.village, recorded_by="o", reason="社区合并")
    m = ledger.get_membership(mid)
    assert (m.status, m.union_id, m.destination_union_id) == (
        "in_transit", tree.township, tree.township2)
    ledger.transfer_in(mid, union_code=tree.township2, recorded_by="o")
    assert ledger.history(mid)[-1].from_union_id == tree.township
    assert ledger.get_membership(mid).union_id == tree.township2
