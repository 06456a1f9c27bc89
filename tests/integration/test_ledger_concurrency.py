"""Concurrent commands on one membership: one wins, the others are told, history stays whole."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from api.wiring import Runtime, build_runtime
from domain.errors import (
    AlreadyMemberError,
    ConflictError,
    InvalidTransitionError,
    LedgerError,
)
from tests.builders import build_tree, join_request, person
from tests.conftest import create_pg_database, drop_pg_database, pg_settings

TODAY = date(2026, 11, 28)


@pytest.fixture
def pg_runtime(tmp_path) -> Iterator[Runtime]:
    name = create_pg_database()
    rt = build_runtime(pg_settings(name, data_dir=tmp_path / "data"), today=lambda: TODAY)
    try:
        yield rt
    finally:
        rt.close()
        drop_pg_database(name)


def race(n: int, command: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """Runs `command(i)` in n threads released together; returns results and errors."""
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            r = command(i)
        except BaseException as e:  # collected and asserted on below
            with lock:
                errors.append(e)
        else:
            with lock:
                results.append(r)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results, errors


@pytest.mark.postgres
@pytest.mark.parametrize("if_match", [False, True], ids=["no_version", "expected_version"])
def test_twenty_simultaneous_transfers_of_one_member_record_exactly_one(pg_runtime, if_match):
    ledger = pg_runtime.ledger
    tree = build_tree(ledger)
    mid = ledger.join(join_request(person(random.Random(71)), tree.village)).id
    destinations = [tree.township, tree.township2, tree.industry, tree.county]
    version = {"expected_version": 1} if if_match else {}

    results, errors = race(20, lambda i: ledger.transfer_out(
        mid, destination_code=destinations[i % 4], reason=f"线程{i}", recorded_by=f"t{i}",
        **version))

    assert len(results) == 1, errors
    assert len(errors) == 19
    conflicts = [e for e in errors if isinstance(e, ConflictError)]
    if if_match:
        # What the API does (If-Match): every loser is a conflict, whether it lost on save
        # (concurrent_change) or read the winner's event first (version_mismatch).
        assert len(conflicts) == 19, errors
        assert {e.code for e in conflicts} <= {"concurrent_change", "version_mismatch"}
    else:
        # Without a version, a thread that read the member before the winner committed
        # loses on save (concurrent_change, nothing recorded); one that the scheduler ran
        # after the commit reads the TransferredOut and is refused by R5 (in transit).
        # Measured: ~5-10% of losers on 2 cores, in bursts; both are correct refusals.
        late = [e for e in errors if isinstance(e, InvalidTransitionError)]
        assert len(conflicts) + len(late) == 19, errors
        assert {e.code for e in conflicts} == {"concurrent_change"}
        assert all(e.details == {"status": "in_transit"} for e in late)
    history = ledger.history(mid)
    assert [type(e).__name__ for e in history] == ["Joined", "TransferredOut"]
    assert [e.originator_version for e in history] == [1, 2]
    m = ledger.get_membership(mid)
    assert (m.status, m.version, m.destination_union_id) == (
        "in_transit", 2, history[-1].destination_union_id)


def test_two_simultaneous_joins_of_one_new_person_make_one_membership(runtime):
    ledger = runtime.ledger
    tree = build_tree(ledger)
    details = person(random.Random(72))
    unions = [tree.village, tree.township]

    results, errors = race(2, lambda i: ledger.join(join_request(details, unions[i])))

    assert len(results) == 1, errors
    (e,) = errors
    assert isinstance(e, ConflictError | AlreadyMemberError)
    assert isinstance(e, LedgerError) and e.code in {"concurrent_change", "already_member"}
    history = ledger.history(results[0].id)
    assert [type(ev).__name__ for ev in history] == ["Joined"]
    m = ledger.get_membership(results[0].id)
    assert ledger.personal_details(m) == details  # the winner's sealed details still open
