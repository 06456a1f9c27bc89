"""R2/R4 "membership follows the employer": when a transfer to the employer's union is due."""

from __future__ import annotations

import random
from datetime import date

import pytest

from domain.enums import EmployerKind, EmploymentRelation
from domain.joining import EmployerInfo, Situation, transfer_due
from domain.values import generate_credit_code
from tests.builders import build_tree, join_request, person
from tests.unit.memledger import establish, memory_ledger

CONTRACT = Situation(EmploymentRelation.LABOUR_CONTRACT, employer_code="E")
DISPATCHED = Situation(EmploymentRelation.DISPATCHED, employer_code="A", using_unit_code="U")


def info(code: str, union: str | None, closed: bool = False) -> EmployerInfo:
    return EmployerInfo(code, "某公司", EmployerKind.OTHER, "350203", union, closed)


@pytest.mark.parametrize("situation,current,employer,using,due", [
    (CONTRACT, "LOCAL", info("E", None), None, None),
    (CONTRACT, "LOCAL", info("E", "EU"), None, "EU"),
    (CONTRACT, "EU", info("E", "EU"), None, None),
    (CONTRACT, "LOCAL", info("E", "EU", closed=True), None, None),
    (DISPATCHED, "LOCAL", info("A", None), info("U", None), None),
    (DISPATCHED, "LOCAL", info("A", None), info("U", "UU"), "UU"),
    (DISPATCHED, "UU", info("A", "AU"), info("U", "UU"), "AU"),
    (DISPATCHED, "AU", info("A", "AU"), info("U", "UU"), None),
    (Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED, employer_code="E"), "LOCAL",
     info("E", "EU"), None, None),
])
def test_a_transfer_is_due_to_the_union_the_article_puts_first(
    situation, current, employer, using, due
):
    assert transfer_due(situation, current, employer, using) == due


def test_when_the_employer_later_establishes_a_union_a_transfer_to_it_is_due():
    ledger = memory_ledger()
    tree = build_tree(ledger)
    emp = generate_credit_code(random.Random(91), region_code="350203")
    ledger.register_employer(code=emp, name="某物流公司", kind="other",
                             region_code="350203001001", recorded_by="o",
                             effective_on=date(2021, 1, 1))
    s = Situation(EmploymentRelation.LABOUR_CONTRACT, employer_code=emp)
    mid = ledger.join(join_request(person(random.Random(92)), tree.township, situation=s)).id
    assert ledger.due_transfer(mid) is None
    own = establish(ledger, tree.township, "enterprise", "grassroots", "350203001001",
                    employer=emp, seed=9)
    assert ledger.due_transfer(mid) == own
    ledger.transfer_out(mid, destination_code=own, reason="用人单位建会", recorded_by="o")
    assert ledger.due_transfer(mid) is None  # in transit: already under way
    ledger.transfer_in(mid, union_code=own, recorded_by="o")
    assert ledger.due_transfer(mid) is None


def test_a_changed_employment_to_an_employer_with_a_union_makes_a_transfer_due():
    ledger = memory_ledger()
    tree = build_tree(ledger)
    mid = ledger.join(join_request(person(random.Random(93)), tree.village)).id
    assert ledger.due_transfer(mid) is None
    ledger.change_employment(mid, situation=Situation(EmploymentRelation.LABOUR_CONTRACT,
                                                      employer_code=tree.platform),
                             recorded_by="o", reason="签订劳动合同")
    assert [type(e).__name__ for e in ledger.history(mid)][-1] == "EmploymentChanged"
    assert ledger.due_transfer(mid) == tree.platform_union
