"""Personal data never reaches the database in the clear; erasure keeps history and counts."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from domain.errors import AlreadyMemberError
from domain.personal import PersonalDetails
from tests.builders import build_tree, join_request, person

PEOPLE = [
    PersonalDetails(name="欧阳娜娜", resident_id="", phone="13912345678", address="中华街道1号"),
    PersonalDetails(name="张伟", resident_id="", phone="15000001111"),
    PersonalDetails(name="林秀英", resident_id="", phone="18688886666"),
]


def known_people() -> list[PersonalDetails]:
    rng = random.Random(81)
    return [replace(p, resident_id=person(rng).resident_id) for p in PEOPLE]


def forms(details: PersonalDetails) -> list[bytes]:
    """Every spelling of the person's data that a careless write could leave behind."""
    name = details.name
    escaped = "".join(f"\\u{ord(c):04x}" for c in name)
    out = [name.encode(), escaped.encode(), escaped.upper().replace("\\U", "\\u").encode(),
           name.encode("utf-16-le"), details.resident_id.encode(), details.phone.encode()]
    if details.address:
        out.append(details.address.encode())
    return out


def raw_database(runtime) -> bytes:
    settings = runtime.settings
    if not settings.is_postgres:
        files = sorted(p for p in settings.data_dir.rglob("*") if p.is_file())
        assert any(p.name.endswith(".sqlite") for p in files)
        return b"".join(p.read_bytes() for p in files)  # incl. -wal and -shm
    chunks: list[bytes] = []
    with runtime.pool.connection() as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
        assert tables
        for t in tables:
            for (row,) in conn.execute(f'SELECT t::text FROM "{t}" t'):
                chunks.append(row.encode())
            for (col,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'public' AND table_name = %s AND data_type = 'bytea'", (t,)
            ):
                for (value,) in conn.execute(f'SELECT "{col}" FROM "{t}"'):
                    if value is not None:
                        chunks.append(bytes(value))
    return b"\n".join(chunks)


def test_no_plaintext_name_resident_id_or_phone_reaches_the_database(runtime):
    ledger = runtime.ledger
    tree = build_tree(ledger)
    people = known_people()
    ids = [ledger.join(join_request(p, tree.village)).id for p in people]
    ledger.correct_details(ids[1], recorded_by="o", reason="补录手机号",
                           details=replace(people[1], phone="15000001111"))
    ledger.transfer_out(ids[2], destination_code=tree.township2, reason="搬家", recorded_by="o")
    ledger.erase_personal_data(ids[0], recorded_by="o", reason="本人申请删除")
    assert ledger.personal_details(ledger.get_membership(ids[1])) == people[1]  # sealed, not lost

    raw = raw_database(runtime)
    assert len(raw) > 10_000
    assert raw.count(b"Joined") >= 3  # the events are really in what was read
    # a positive control: a union name (public data) is found in one of the same forms
    control = replace(people[0], name="中华社区工会", resident_id="-", phone="-", address=None)
    assert any(form in raw for form in forms(control)[:3])
    for p in people:
        for form in forms(p):
            assert form not in raw, f"plaintext {form[:4]!r}… found in the database"


def test_an_erasure_keeps_the_history_and_ends_nothing(runtime):
    ledger = runtime.ledger
    tree = build_tree(ledger)
    details = known_people()[0]
    mid = ledger.join(join_request(details, tree.village)).id
    ledger.retain(mid, cause="unemployment", recorded_by="o")
    ledger.reactivate(mid, recorded_by="o")
    result = ledger.erase_personal_data(mid, recorded_by="dpo", reason="PIPL 第47条 本人申请")

    assert result.position > 0
    history = ledger.history(mid)
    assert [type(e).__name__ for e in history] == [
        "Joined", "Retained", "Reactivated", "PersonalDataErased"]
    assert (history[-1].recorded_by, history[-1].reason) == ("dpo", "PIPL 第47条 本人申请")
    m = ledger.get_membership(mid)
    assert (m.status, m.union_id, m.erased) == ("active", tree.village, True)
    assert ledger.personal_details(m) is None
    assert ledger.vault.open(mid, history[0].personal) is None
    # erasing twice records nothing more
    assert ledger.erase_personal_data(mid, recorded_by="dpo", reason="重复").position == 0
    assert len(ledger.history(mid)) == 4

    with pytest.raises(AlreadyMemberError):  # erasure alone does not end the membership
        ledger.join(join_request(details, tree.township))
    assert len(ledger.history(mid)) == 4


def test_a_person_may_rejoin_after_erasure_and_withdrawal_with_fresh_sealed_details(runtime):
    ledger = runtime.ledger
    tree = build_tree(ledger)
    details = known_people()[1]
    mid = ledger.join(join_request(details, tree.village)).id
    ledger.erase_personal_data(mid, recorded_by="dpo", reason="本人申请")
    ledger.withdraw(mid, recorded_by="o")
    again = ledger.join(join_request(details, tree.township))
    assert again.id == mid
    history = ledger.history(mid)
    assert [type(e).__name__ for e in history] == [
        "Joined", "PersonalDataErased", "Withdrew", "Joined"]
    assert ledger.personal_details(ledger.get_membership(mid)) == details
    # the details sealed before the erasure stay unreadable under the new key
    assert ledger.vault.open(mid, history[0].personal) is None
    assert ledger.vault.open(mid, history[-1].personal) == details
