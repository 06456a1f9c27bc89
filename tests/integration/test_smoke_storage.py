"""The ledger stores and reloads a membership on SQLite and on PostgreSQL."""

import random

from tests.builders import build_tree, join_request, person


def test_a_join_is_stored_and_reloaded_on_both_backends(runtime):
    tree = build_tree(runtime.ledger)
    details = person(random.Random(1))
    result = runtime.ledger.join(join_request(details, tree.township))
    reloaded = runtime.ledger.get_membership(result.id)
    assert reloaded.union_id == tree.township
    assert runtime.ledger.personal_details(reloaded) == details


def test_events_go_in_as_the_library_would_store_them(runtime):
    """The batch insert (binary on PostgreSQL) stores the same rows the mapper makes."""
    tree = build_tree(runtime.ledger)
    rng = random.Random(7)
    results = [runtime.ledger.join(join_request(person(rng), tree.township)) for _ in range(3)]
    ledger = runtime.ledger
    for r in results:
        stored = ledger.recorder.select_events(ledger.get_membership(r.id).id)
        events = list(ledger.events.get(ledger.get_membership(r.id).id))
        assert len(stored) == len(events) == 1
        again = ledger.mapper.to_stored_event(events[0])
        assert (stored[0].topic, stored[0].originator_version) == (again.topic, 1)
        assert bytes(stored[0].state) == bytes(again.state)
    if runtime.settings.is_postgres:
        from api.wiring import _sql_text

        assert "unnest(%b::" in _sql_text(ledger.recorder.insert_events_statement)
