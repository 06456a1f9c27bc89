"""R2-R4 joining paths through `join`: which union may take a worker, refusals and overrides."""

from __future__ import annotations

import random
from datetime import date

import pytest

from domain.enums import EmploymentRelation
from domain.errors import InvalidTransitionError, RuleViolationError, ValidationError
from domain.joining import Situation
from domain.values import generate_credit_code
from tests.builders import build_tree, join_request, person
from tests.unit.memledger import establish, memory_ledger, new_events, position, refused

VILLAGE_REGION = "350203001001"  # inside tree.township and tree.county


@pytest.fixture
def ledger():
    return memory_ledger()


@pytest.fixture
def tree(ledger):
    return build_tree(ledger)


def employer(ledger, kind: str = "other", region: str = VILLAGE_REGION, seed: int = 0) -> str:
    code = generate_credit_code(random.Random(f"e{seed}{kind}{region}"), region_code=region[:6])
    ledger.register_employer(code=code, name="某运输有限公司", kind=kind, region_code=region,
                             recorded_by="builder", effective_on=date(2021, 1, 1))
    return code


def contract(employer_code: str) -> Situation:
    return Situation(EmploymentRelation.LABOUR_CONTRACT, employer_code=employer_code)


def dispatched(agency: str, using: str | None) -> Situation:
    return Situation(EmploymentRelation.DISPATCHED, employer_code=agency, using_unit_code=using)


def joins(ledger, union: str, situation: Situation, seed: int, **kw) -> str:
    before = position(ledger)
    mid = ledger.join(join_request(person(random.Random(seed)), union, situation=situation,
                                   **kw)).id
    assert new_events(ledger, before) == ["Joined"]
    return ledger.get_membership(mid).union_id


def path_refused(ledger, union: str, situation: Situation, rule: str, seed: int = 99):
    e = refused(ledger, RuleViolationError, ledger.join,
                join_request(person(random.Random(seed)), union, situation=situation))
    assert (e.code, e.field, e.rule) == ("join.path_not_allowed", "union_code", rule)


# -- R2: workers with a labour contract -----------------------------------------------------


def test_a_contract_worker_whose_employer_has_a_union_joins_only_that_union(ledger, tree):
    emp = employer(ledger)
    own = establish(ledger, tree.township, "enterprise", "grassroots", VILLAGE_REGION,
                    employer=emp)
    assert joins(ledger, own, contract(emp), 1) == own
    for other in (tree.township, tree.village, tree.industry, tree.platform_union):
        path_refused(ledger, other, contract(emp), "R2")


@pytest.mark.parametrize("kind,level,region", [
    ("township", None, None), ("village", None, None), ("industry_federation", None, None),
    ("development_zone", "township", "350203"), ("regional", "township", "350203"),
    ("joint", "grassroots", "350203"), ("grassroots_federation", "grassroots", "350203001"),
])
def test_a_contract_worker_whose_employer_has_no_union_may_join_a_local_union(
    ledger, tree, kind, level, region
):
    emp = employer(ledger)
    existing = {"township": tree.township, "village": tree.village,
                "industry_federation": tree.industry}
    union = existing.get(kind) or establish(ledger, tree.county, kind, level, region)
    assert joins(ledger, union, contract(emp), 2) == union


def test_a_contract_worker_may_not_join_a_federation_or_a_union_elsewhere(ledger, tree):
    emp = employer(ledger)
    for union in (tree.county, tree.city, tree.township2, tree.platform_union):
        path_refused(ledger, union, contract(emp), "R2")


def test_a_higher_union_may_override_the_path_with_a_reason(ledger, tree):
    emp = employer(ledger)
    before = position(ledger)
    req = join_request(person(random.Random(3)), tree.county, situation=contract(emp))
    mid = ledger.join(_override(req, tree.city, "职工沟通会现场，县总工会代为接收")).id
    assert new_events(ledger, before) == ["Joined"]
    (joined,) = ledger.history(mid)
    assert joined.basis == f"override {tree.city}: 职工沟通会现场，县总工会代为接收"


def test_an_override_by_a_union_that_is_not_an_ancestor_is_refused(ledger, tree):
    req = join_request(person(random.Random(4)), tree.county, situation=contract(employer(ledger)))
    for by in (tree.township2, tree.county, tree.village):
        e = refused(ledger, RuleViolationError, ledger.join, _override(req, by, "理由"))
        assert (e.code, e.field, e.rule) == ("join.override_not_higher", "override_by", "R2")


def test_an_override_without_a_reason_is_refused(ledger, tree):
    req = join_request(person(random.Random(5)), tree.county, situation=contract(employer(ledger)))
    for reason in (None, "", "   "):
        e = refused(ledger, ValidationError, ledger.join, _override(req, tree.city, reason))
        assert (e.code, e.field) == ("reason.required", "override_reason")


def test_a_contract_worker_without_an_employer_is_refused(ledger, tree):
    e = refused(ledger, ValidationError, ledger.join,
                join_request(person(random.Random(6)), tree.township,
                             situation=Situation(EmploymentRelation.LABOUR_CONTRACT)))
    assert (e.code, e.field, e.rule) == (
        "situation.employer_required", "situation.employer_code", "R2")


def _override(req, by, reason):
    from dataclasses import replace
    return replace(req, override_by=by, override_reason=reason)


# -- R3: platform workers without a full labour relationship ---------------------------------


@pytest.mark.parametrize("relation", ["platform_self_employed", "not_full_labour_relation"])
def test_a_platform_worker_may_join_a_local_union_at_work_or_residence(ledger, tree, relation):
    s = Situation(EmploymentRelation(relation), work_region=VILLAGE_REGION,
                  residence_region="350206001003")
    assert joins(ledger, tree.village, s, 7) == tree.village
    assert joins(ledger, tree.township2, s, 8) == tree.township2
    only_work = Situation(EmploymentRelation(relation), work_region=VILLAGE_REGION)
    path_refused(ledger, tree.township2, only_work, "R3")
    path_refused(ledger, tree.county, s, "R3")


def test_a_platform_worker_may_join_the_platform_enterprise_union_but_no_other(ledger, tree):
    s = Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED, employer_code=tree.platform)
    assert joins(ledger, tree.platform_union, s, 9) == tree.platform_union
    other = employer(ledger, kind="other", seed=1)
    other_union = establish(ledger, tree.township, "enterprise", "grassroots", VILLAGE_REGION,
                            employer=other, seed=1)
    path_refused(ledger, other_union, s, "R3")
    with_other = Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED, employer_code=other)
    path_refused(ledger, other_union, with_other, "R3")


def test_a_platform_worker_with_no_place_or_platform_is_refused(ledger, tree):
    e = refused(ledger, ValidationError, ledger.join, join_request(
        person(random.Random(10)), tree.village,
        situation=Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED)))
    assert (e.code, e.field, e.rule) == (
        "situation.region_required", "situation.work_region", "R3")


# -- R4: dispatched workers ------------------------------------------------------------------


@pytest.fixture
def dispatch(ledger, tree):
    """An agency and a using unit, each with its own union, plus a pair without unions."""
    agency = employer(ledger, kind="dispatch_agency", seed=2)
    using = employer(ledger, kind="other", seed=3)
    bare_agency = employer(ledger, kind="dispatch_agency", seed=4)
    bare_using = employer(ledger, kind="other", region="350206001003", seed=5)
    return {
        "agency": agency, "using": using, "bare_agency": bare_agency, "bare_using": bare_using,
        "agency_union": establish(ledger, tree.township, "enterprise", "grassroots",
                                  VILLAGE_REGION, employer=agency, seed=2),
        "using_union": establish(ledger, tree.township, "enterprise", "grassroots",
                                 VILLAGE_REGION, employer=using, seed=3),
    }


def test_a_dispatched_worker_joins_the_agency_union_first(ledger, tree, dispatch):
    s = dispatched(dispatch["agency"], dispatch["using"])
    assert joins(ledger, dispatch["agency_union"], s, 11) == dispatch["agency_union"]
    path_refused(ledger, dispatch["using_union"], s, "R4")
    path_refused(ledger, tree.township, s, "R4")


def test_the_using_unit_union_takes_a_dispatched_worker_only_if_the_agency_has_none(
    ledger, tree, dispatch
):
    s = dispatched(dispatch["bare_agency"], dispatch["using"])
    assert joins(ledger, dispatch["using_union"], s, 12) == dispatch["using_union"]
    path_refused(ledger, tree.township, s, "R4")
    path_refused(ledger, dispatch["agency_union"], s, "R4")


def test_local_unions_take_a_dispatched_worker_only_if_neither_has_a_union(
    ledger, tree, dispatch
):
    s = dispatched(dispatch["bare_agency"], dispatch["bare_using"])
    assert joins(ledger, tree.township, s, 13) == tree.township  # the agency's place
    assert joins(ledger, tree.township2, s, 14) == tree.township2  # the using unit's place
    path_refused(ledger, tree.county, s, "R4")
    path_refused(ledger, dispatch["using_union"], s, "R4")


def test_management_may_be_delegated_only_to_the_using_unit_union_and_stays_counted(
    ledger, tree, dispatch
):
    s = dispatched(dispatch["agency"], dispatch["using"])
    mid = ledger.join(join_request(person(random.Random(15)), dispatch["agency_union"],
                                   situation=s)).id
    for wrong in (tree.township, dispatch["agency_union"]):
        e = refused(ledger, RuleViolationError, ledger.delegate_management, mid,
                    to_union_code=wrong, recorded_by="o")
        assert (e.code, e.field, e.rule) == ("delegate.not_using_unit", "to_union_code", "R4")
    before = position(ledger)
    ledger.delegate_management(mid, to_union_code=dispatch["using_union"], recorded_by="o",
                               reason="委托代管协议")
    assert new_events(ledger, before) == ["ManagementDelegated"]
    m = ledger.get_membership(mid)
    assert (m.union_id, m.delegated_to) == (dispatch["agency_union"], dispatch["using_union"])


def test_a_member_who_is_not_dispatched_cannot_be_delegated(ledger, tree, dispatch):
    mid = ledger.join(join_request(person(random.Random(16)), tree.village)).id
    e = refused(ledger, RuleViolationError, ledger.delegate_management, mid,
                to_union_code=dispatch["using_union"], recorded_by="o")
    assert (e.code, e.rule) == ("delegate.not_using_unit", "R4")


def test_a_member_already_at_the_using_unit_union_cannot_be_delegated_to_it(
    ledger, tree, dispatch
):
    s = dispatched(dispatch["bare_agency"], dispatch["using"])
    mid = ledger.join(join_request(person(random.Random(17)), dispatch["using_union"],
                                   situation=s)).id
    e = refused(ledger, RuleViolationError, ledger.delegate_management, mid,
                to_union_code=dispatch["using_union"], recorded_by="o")
    assert (e.code, e.rule) == ("delegate.not_using_unit", "R4")


def test_a_member_who_is_not_active_cannot_be_delegated(ledger, tree, dispatch):
    s = dispatched(dispatch["agency"], dispatch["using"])
    mid = ledger.join(join_request(person(random.Random(18)), dispatch["agency_union"],
                                   situation=s)).id
    ledger.retain(mid, cause="unemployment", recorded_by="o")
    e = refused(ledger, InvalidTransitionError, ledger.delegate_management, mid,
                to_union_code=dispatch["using_union"], recorded_by="o")
    assert (e.code, e.field, e.rule) == ("membership.cannot_delegate", "status", "R4")
