"""Automatic transfers (art. 4, R2/R4): once an employer establishes its union, its employees
and dispatched workers in fallback unions are released towards it. SQLite and PostgreSQL, with
the replay index and the projection-backed one."""

from __future__ import annotations

import random

import pytest

from domain.enums import EmploymentRelation
from domain.errors import RuleViolationError
from domain.joining import Situation
from domain.values import generate_credit_code
from projections import open_read_side
from projections.employer_members import ProjectedEmployerMembers
from tests.builders import build_tree, join_request, person, union_code


@pytest.mark.parametrize("index", ["replay", "projection"])
def test_establishing_an_employers_union_releases_its_members_towards_it(runtime, index):
    ledger = runtime.ledger
    tree = build_tree(ledger)
    rng = random.Random(51)
    shop = generate_credit_code(rng, region_code="350203")
    agency = generate_credit_code(rng, region_code="350203")
    for code, kind in ((shop, "other"), (agency, "dispatch_agency")):
        ledger.register_employer(code=code, name=f"用人单位{code[-4:]}", kind=kind,
                                 region_code="350203001", recorded_by="builder")
    employee = Situation(EmploymentRelation.LABOUR_CONTRACT, employer_code=shop)
    dispatched = Situation(EmploymentRelation.DISPATCHED, employer_code=agency,
                           using_unit_code=shop)
    rider = Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED, employer_code=shop,
                      work_region="350203001")
    people = [person(rng) for _ in range(3)]
    for p, s in zip(people, (employee, dispatched, rider), strict=True):
        ledger.join(join_request(p, tree.township, situation=s))
    with pytest.raises(RuleViolationError) as info:
        ledger.open_due_transfers(shop, recorded_by="official-1")
    assert info.value.code == "auto_transfer.no_union"

    shop_union = union_code(rng, "350203", grassroots=True)
    ledger.establish_union(code=shop_union, name="某商贸公司工会", kind="enterprise",
                           level="grassroots", region_code="350203001",
                           parent_code=tree.township, approved_by=tree.township,
                           recorded_by="official-1", employer_code=shop)
    idx = None
    if index == "projection":
        store, runner = open_read_side(runtime, start_runner=False)
        runner.catch_up()
        idx = ProjectedEmployerMembers(store)
    released = ledger.open_due_transfers(shop, recorded_by="official-1", index=idx)

    ids = [str(ledger.find_membership(p.resident_id).id) for p in people]
    assert sorted(released) == sorted(ids[:2])  # the art. 5 rider chooses freely: not moved
    for mid in ids[:2]:
        m = ledger.get_membership(mid)
        ev = ledger.history(mid)[-1]
        assert (m.status, m.destination_union_id) == ("in_transit", shop_union)
        assert "总工办发〔2021〕16号" in ev.reason
    assert ledger.get_membership(ids[2]).status == "active"
    if index == "projection":
        runner.catch_up()
    assert ledger.open_due_transfers(shop, recorded_by="official-1", index=idx) == []
