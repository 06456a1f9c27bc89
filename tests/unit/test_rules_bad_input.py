"""Bad input is refused with a ValidationError naming the field, and records nothing."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from domain.enums import EmploymentRelation
from domain.errors import ValidationError
from domain.joining import Situation
from tests.builders import build_tree, join_request, person
from tests.unit.memledger import memory_ledger, refused


@pytest.fixture
def ledger():
    return memory_ledger()


@pytest.fixture
def tree(ledger):
    return build_tree(ledger)


def bad_join(ledger, req):
    return refused(ledger, ValidationError, ledger.join, req)


@pytest.mark.parametrize("field", ["worker_group", "channel"])
def test_an_unknown_worker_group_or_channel_is_an_invalid_choice_naming_the_field(
    ledger, tree, field
):
    req = join_request(person(random.Random(41)), tree.village)
    e = bad_join(ledger, replace(req, **{field: "astronaut"}))
    assert (e.code, e.field) == ("invalid_choice", field)
    assert "courier" in e.message_en or "online" in e.message_en


@pytest.mark.parametrize("when,code", [
    ("2026-11-29", "date.future"), ("1949-09-30", "date.too_early"),
    ("2026-02-30", "date.format"), ("28/11/2026", "date.format"),
])
def test_an_effective_date_in_the_future_or_malformed_is_refused(ledger, tree, when, code):
    e = bad_join(ledger, join_request(person(random.Random(42)), tree.village, effective_on=when))
    assert (e.code, e.field) == (code, "effective_on")


def test_today_is_an_acceptable_effective_date(ledger, tree):
    mid = ledger.join(join_request(person(random.Random(42)), tree.village,
                                   effective_on="2026-11-28")).id
    assert ledger.get_membership(mid).joined_on.isoformat() == "2026-11-28"


@pytest.mark.parametrize("region,code", [
    ("35020300", "region_code.format"), ("3502O3", "region_code.format"),
    ("990203", "region_code.province"),
])
@pytest.mark.parametrize("which", ["work_region", "residence_region"])
def test_a_malformed_region_is_refused_naming_the_situation_field(
    ledger, tree, region, code, which
):
    s = Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED,
                  **{"work_region": "350203001001", which: region})
    e = bad_join(ledger, join_request(person(random.Random(43)), tree.village, situation=s))
    assert (e.code, e.field) == (code, f"situation.{which}")


@pytest.mark.parametrize("name", ["", "   ", "王" * 51])
def test_an_empty_or_too_long_name_is_refused(ledger, tree, name):
    details = replace(person(random.Random(44)), name=name)
    e = bad_join(ledger, join_request(details, tree.village))
    assert (e.code, e.field) == ("name.length", "name")


def test_a_fifty_character_name_is_accepted(ledger, tree):
    details = replace(person(random.Random(44)), name="阿" * 50)
    mid = ledger.join(join_request(details, tree.village)).id
    assert ledger.personal_details(ledger.get_membership(mid)).name == "阿" * 50


@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "+1 415 555 0100", "138abcd5678"])
def test_a_bad_phone_number_is_refused(ledger, tree, phone):
    details = replace(person(random.Random(45)), phone=phone)
    e = bad_join(ledger, join_request(details, tree.village))
    assert (e.code, e.field, e.rule) == ("phone.format", "phone", "mobile")


def test_a_phone_with_country_code_and_spaces_is_stored_as_eleven_digits(ledger, tree):
    details = replace(person(random.Random(46)), phone="+86 138-1234-5678")
    mid = ledger.join(join_request(details, tree.village)).id
    assert ledger.personal_details(ledger.get_membership(mid)).phone == "13812345678"


@pytest.mark.parametrize("rid,code", [
    ("35020319900101123", "resident_id.format"), ("990203199001011234", "resident_id.address_code"),
    ("350203199002301234", "resident_id.birth_date"),
])
def test_a_malformed_resident_id_is_refused_without_echoing_it(ledger, tree, rid, code):
    details = replace(person(random.Random(47)), resident_id=rid)
    e = bad_join(ledger, join_request(details, tree.village))
    assert (e.code, e.field) == (code, "resident_id")
    assert rid not in e.message_zh and rid not in e.message_en


def test_a_resident_id_born_after_today_is_refused(ledger, tree):
    from domain.values import check_char
    first17 = "350203" + "20261201" + "123"
    details = replace(person(random.Random(48)), resident_id=first17 + check_char(first17))
    e = bad_join(ledger, join_request(details, tree.village))
    assert e.code == "resident_id.future_birth_date"


def test_an_unknown_employer_is_not_found_naming_the_situation_field(ledger, tree):
    from domain.errors import NotFoundError
    from domain.values import generate_credit_code
    ghost = generate_credit_code(random.Random(49), region_code="350203")
    s = Situation(EmploymentRelation.LABOUR_CONTRACT, employer_code=ghost)
    e = refused(ledger, NotFoundError, ledger.join,
                join_request(person(random.Random(49)), tree.village, situation=s))
    assert (e.code, e.field) == ("employer.not_found", "situation.employer_code")


def test_a_malformed_union_code_is_refused_naming_the_field(ledger, tree):
    e = bad_join(ledger, join_request(person(random.Random(50)), "not-a-code"))
    assert e.field == "union_code" and e.code.startswith("credit_code.")


def test_correcting_details_cannot_change_the_resident_id(ledger, tree):
    details = person(random.Random(51))
    mid = ledger.join(join_request(details, tree.village)).id
    other = person(random.Random(52))
    e = refused(ledger, ValidationError, ledger.correct_details, mid, recorded_by="o",
                reason="更正", details=replace(other, name=details.name))
    assert (e.code, e.field, e.rule) == ("details.resident_id_mismatch", "resident_id", "R1")
    ledger.correct_details(mid, recorded_by="o", reason="姓名录入错误",
                           details=replace(details, name="王小明"))
    assert ledger.personal_details(ledger.get_membership(mid)).name == "王小明"
