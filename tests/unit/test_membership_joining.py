"""R1 one person, one membership: joins, rejoins, keyed-hash ids and resident-ID input."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from domain.errors import AlreadyMemberError, ValidationError
from domain.personal import Identity, PersonalDetails
from domain.values import check_char
from tests.builders import build_tree, join_request, person
from tests.unit.memledger import memory_ledger, new_events, position, refused


@pytest.fixture
def ledger():
    return memory_ledger()


@pytest.fixture
def tree(ledger):
    return build_tree(ledger)


def test_a_first_join_records_one_joined_event_with_actor_date_and_sealed_details(ledger, tree):
    details = person(random.Random(1))
    before = position(ledger)
    result = ledger.join(join_request(details, tree.village, effective_on="2026-03-01"))
    assert new_events(ledger, before) == ["Joined"]
    (joined,) = ledger.history(result.id)
    assert joined.union_id == tree.village and joined.recorded_by == "official-1"
    assert joined.effective_on.isoformat() == "2026-03-01"
    assert joined.basis.startswith("R3 ")
    assert details.name not in joined.personal and details.resident_id not in joined.personal
    assert ledger.personal_details(ledger.get_membership(result.id)) == details


@pytest.mark.parametrize("status", ["active", "in_transit", "retained"])
def test_a_second_join_while_holding_a_membership_is_refused_naming_the_union(
    ledger, tree, status
):
    details = person(random.Random(2))
    mid = ledger.join(join_request(details, tree.village)).id
    if status == "in_transit":
        ledger.transfer_out(mid, destination_code=tree.township2, reason="换工作",
                            recorded_by="o")
    elif status == "retained":
        ledger.retain(mid, cause="retirement", recorded_by="o")
    e = refused(ledger, AlreadyMemberError, ledger.join, join_request(details, tree.township))
    assert (e.code, e.field, e.rule) == ("already_member", "resident_id", "R1")
    assert e.details == {"union_code": tree.village, "member_id": mid}


def test_a_rejoin_after_withdrawal_is_a_second_joined_on_the_same_history(ledger, tree):
    details = person(random.Random(3))
    first = ledger.join(join_request(details, tree.village))
    ledger.withdraw(first.id, recorded_by="o")
    before = position(ledger)
    again = ledger.join(join_request(details, tree.township, group="food_delivery_rider"))
    assert new_events(ledger, before) == ["Joined"]
    assert again.id == first.id
    names = [type(e).__name__ for e in ledger.history(again.id)]
    assert names == ["Joined", "Withdrew", "Joined"]
    m = ledger.get_membership(again.id)
    assert (m.status, m.union_id, m.worker_group) == ("active", tree.township,
                                                      "food_delivery_rider")


def test_the_membership_id_is_a_keyed_hash_that_changes_with_the_secret(ledger, tree):
    details = person(random.Random(4))
    mid = ledger.join(join_request(details, tree.village)).id
    assert mid == str(Identity(b"x" * 32).membership_id(details.resident_id))
    assert mid != str(Identity(b"y" * 32).membership_id(details.resident_id))
    assert details.resident_id not in mid.replace("-", "")
    other = memory_ledger(secret=b"z" * 32)
    other_tree = build_tree(other)
    assert other.join(join_request(details, other_tree.village)).id != mid
    assert ledger.find_membership(details.resident_id).id == ledger.get_membership(mid).id


def test_a_resident_id_with_a_wrong_check_character_is_refused(ledger, tree):
    details = person(random.Random(5))
    rid = details.resident_id
    wrong = rid[:17] + ("0" if rid[17] != "0" else "1")
    e = refused(ledger, ValidationError, ledger.join,
                join_request(replace(details, resident_id=wrong), tree.village))
    assert (e.code, e.field, e.rule) == ("resident_id.check_char", "resident_id", "GB 11643-1999")


def test_a_legacy_15_digit_resident_id_is_accepted_and_stored_as_18_digits(ledger, tree):
    legacy = "350203" + "781024" + "123"
    full = "350203" + "19781024" + "123"
    full += check_char(full)
    details = PersonalDetails(name="林秀英", resident_id=legacy)
    mid = ledger.join(join_request(details, tree.village)).id
    assert mid == str(ledger.identity.membership_id(full))
    assert ledger.personal_details(ledger.get_membership(mid)).resident_id == full
    e = refused(ledger, AlreadyMemberError, ledger.join,
                join_request(replace(details, resident_id=full), tree.township))
    assert e.code == "already_member"
