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
