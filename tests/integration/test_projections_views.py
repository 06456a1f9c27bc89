"""The read models as an official reads them, on SQLite and PostgreSQL: the masked directory,
erasure, the transfer inbox, the union tree, rosters, R8 dissolution and moving a township
(counts and the monthly trend)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from api.wiring import Runtime
from domain.personal import ERASED
from projections import ReadStore, Runner
from projections.reports import Reports
from tests.builders import build_tree, join_request, person, union_code
from tests.conftest import TODAY
from tests.integration.projections_support import read_side  # noqa: F401 - fixture

Side = tuple[ReadStore, Runner]


def _raw_read_side_bytes(runtime: Runtime, store: ReadStore, runner: Runner) -> bytes:
    """Every byte the read side stored: the SQLite file (and WAL), or the PostgreSQL rows."""
    if not runtime.settings.is_postgres:
        path = runtime.settings.sqlite_path
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                        if p.exists())
    out = []
    with store.db.read() as tx:
        for view in runner.views:
            for table in view.tables:
                out += [r[0].encode() for r in tx.all(f"SELECT t::text FROM @{table} t")]
    return b"\n".join(out)


def test_a_join_is_listed_masked_with_lookup_keys_and_no_plaintext_reaches_the_database(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    tree = build_tree(runtime.ledger)
    people = [person(random.Random(i)) for i in range(3)]
    results = [runtime.ledger.join(join_request(p, tree.township, effective_on="2025-02-03"))
               for p in people]
    assert store.wait_for(results[-1].position)

    p, row = people[0], store.member(results[0].id)
    assert row is not None
    assert row["masked_name"] == p.name[0] + "*" * (len(p.name) - 1)
    assert row["masked_resident_id"] == p.resident_id[:4] + "*" * 10 + p.resident_id[-4:]
    assert (row["status"], row["union_code"], row["joined_on"]) == (
        "active", tree.township, date(2025, 2, 3))
    assert row["birth_year"] == int(p.resident_id[6:10])
    assert runtime.vault.open(row["member_id"], row["personal"]) == p  # authorised readers
    mid = str(runtime.identity.membership_id(p.resident_id))
    assert store.member_by_resident(mid)["member_id"] == results[0].id
    by_name, _ = store.roster(tree.township,
                              name_key=runtime.identity.lookup_key("name", p.name))
    assert results[0].id in [r["member_id"] for r in by_name]

    raw = _raw_read_side_bytes(runtime, store, runner)
    for someone in people:
        assert someone.name.encode() not in raw
        assert someone.resident_id.encode() not in raw


def test_erasure_purges_the_directory_copies_but_the_counts_stay(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, _ = read_side
    tree = build_tree(runtime.ledger)
    p = person(random.Random(5))
    joined = runtime.ledger.join(join_request(p, tree.village))
    erased = runtime.ledger.erase_personal_data(joined.id, recorded_by="dpo", reason="本人申请")
    assert store.wait_for(erased.position)

    row = store.member(joined.id)
    assert row is not None and row["erased"] is True
    assert (row["masked_name"], row["masked_resident_id"]) == (ERASED, ERASED)
    assert row["name_key"] is row["personal"] is None
    assert store.member_by_resident(str(runtime.identity.membership_id(p.resident_id))) is None
    rows, _ = store.roster(tree.village,
                           resident_member_id=str(runtime.identity.membership_id(p.resident_id)))
    assert rows == []
    assert store.counts(tree.village)["self"]["by_status"]["active"] == 1
    assert store.counts(tree.acftu)["subtree"]["total"] == 1


def test_a_transfer_waits_in_the_destination_inbox_until_accepted_and_turns_overdue(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, _ = read_side
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    joined_on = TODAY - timedelta(days=60)
    recent = led.join(join_request(person(random.Random(1)), tree.township,
                                   effective_on=joined_on)).id
    old = led.join(join_request(person(random.Random(2)), tree.township,
                                effective_on=joined_on)).id
    led.transfer_out(old, destination_code=tree.township2, reason="换工作地", recorded_by="o",
                     effective_on=TODAY - timedelta(days=45))
    last = led.transfer_out(recent, destination_code=tree.township2, reason="换工作地",
                            recorded_by="o", effective_on=TODAY - timedelta(days=10))
    assert store.wait_for(last.position)

    inbox = store.inbox(tree.township2)
    assert [(r["member_id"], r["age_days"], r["overdue"]) for r in inbox] == [
        (old, 45, True), (recent, 10, False)]  # oldest first; overdue after 30 days (settings)
    assert all(r["from_union_code"] == tree.township and r["masked_name"] for r in inbox)
    assert [r["overdue"] for r in store.inbox(tree.township2, overdue_days=5)] == [True, True]
    assert store.counts(tree.township)["self"]["by_status"]["in_transit"] == 2

    accepted = led.transfer_in(old, union_code=tree.township2, recorded_by="o")
    assert store.wait_for(accepted.position)
    assert [r["member_id"] for r in store.inbox(tree.township2)] == [recent]
    assert store.counts(tree.township2)["self"]["by_status"]["active"] == 1
    assert store.counts(tree.county2)["subtree"]["total"] == 1


def test_the_union_tree_answers_children_ancestors_and_the_unions_covering_a_place(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    tree = build_tree(runtime.ledger)
    runner.catch_up()

    assert [u["code"] for u in store.ancestors(tree.village)] == [
        tree.township, tree.county, tree.city, tree.province, tree.acftu]
    assert {u["code"] for u in store.children(tree.county)} == {
        tree.township, tree.industry, tree.platform_union}
    covering = {u.code for u in store.unions_covering("350203001001")}
    assert {tree.village, tree.township, tree.industry, tree.county, tree.city,
            tree.province} <= covering
    assert tree.township2 not in covering and tree.county2 not in covering
    info = store.union_info(tree.village)
    assert info is not None and info.kind == "village" and not info.dissolved
    employer = store.employer_info(tree.platform)
    assert employer is not None and employer.union_code == tree.platform_union
    assert store.union("8" * 18) is None and store.employer_info("9" * 18) is None

    runtime.ledger.dissolve_union(tree.village, recorded_by="o", reason="合并")
    runner.catch_up()
    assert tree.village not in {u.code for u in store.unions_covering("350203001001")}


def test_the_roster_pages_by_member_id_and_filters_by_status_group_channel_and_date(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, _ = read_side
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    ids = []
    for i in range(7):
        r = led.join(join_request(person(random.Random(100 + i)), tree.township,
                                  group=("courier", "truck_driver")[i % 2],
                                  channel=("online", "ceremony")[i % 3 == 0],
                                  effective_on=date(2025, 1, 1 + i)))
        ids.append(r.id)
    last = led.retain(ids[0], cause="retirement", recorded_by="o")
    assert store.wait_for(last.position)

    seen, cursor, pages = [], None, 0
    while True:
        rows, cursor = store.roster(tree.county, subtree=True, cursor=cursor, limit=3)
        seen += [r["member_id"] for r in rows]
        pages += 1
        if cursor is None:
            break
    assert (seen, pages) == (sorted(ids), 3)
    assert store.roster(tree.county, limit=3)[0] == []  # the county itself holds nobody

    def only(**filters: object) -> set[str]:
        return {r["member_id"] for r in store.roster(tree.township, **filters)[0]}

    assert only(status="retained") == {ids[0]}
    assert only(worker_group="truck_driver") == {ids[1], ids[3], ids[5]}
    assert only(channel="ceremony") == {ids[0], ids[3], ids[6]}
    assert only(joined_from=date(2025, 1, 3), joined_to=date(2025, 1, 4)) == {ids[2], ids[3]}


def test_dissolving_a_union_holds_its_members_at_the_parent_through_the_projection_index(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, _ = read_side
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    led.member_index = store  # R8 asks the read side who the union holds
    staying = led.join(join_request(person(random.Random(1)), tree.village)).id
    leaving = led.join(join_request(person(random.Random(2)), tree.village)).id
    led.transfer_out(leaving, destination_code=tree.township2, reason="换工作地", recorded_by="o")

    done = led.dissolve_union(tree.village, recorded_by="o", reason="社区合并")
    assert store.wait_for(done.position)
    assert store.member(staying)["union_code"] == tree.township
    assert store.counts(tree.village)["self"]["total"] == 0
    assert store.counts(tree.township)["self"]["by_status"] == {
        "active": 1, "in_transit": 1, "retained": 0, "withdrawn": 0, "expelled": 0}
    [waiting] = store.inbox(tree.township2)  # still in transit, now released by the parent
    assert (waiting["member_id"], waiting["from_union_code"]) == (leaving, tree.township)
    assert store.holding_members(tree.township) == sorted(
        [led.get_membership(staying).id, led.get_membership(leaving).id])


def test_moving_a_township_under_another_county_moves_its_members_counts_at_every_level(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    tree = build_tree(runtime.ledger)
    led = runtime.ledger
    rng = random.Random(9)
    by = dict(recorded_by="o", effective_on=date(2020, 1, 1))
    codes = {}
    for name, region, level, parent in (("gd", "440000", "province", tree.acftu),
                                        ("sz", "440300", "city", "gd"),
                                        ("ft", "440304", "county", "sz")):
        parent = codes.get(parent, parent)
        codes[name] = union_code(rng, region)
        led.establish_union(code=codes[name], name=name, kind="federation", level=level,
                            region_code=region, parent_code=parent, approved_by=parent, **by)
    for i in range(3):
        led.join(join_request(person(random.Random(i)), tree.village if i else tree.township,
                              effective_on="2025-02-03"))
    runner.catch_up()
    reports = Reports(store.db)

    def joins_in_february(code: str, as_of: date = date(2025, 6, 30)) -> int:
        trend = reports.monthly_flows(code, as_of=as_of, months=6)
        return next(m["joins"] for m in trend if m["month"] == "2025-02")

    def joins_by(as_of: date) -> dict[str, int]:  # as of a day in February: the daily counters
        return {c: joins_in_february(c, as_of) for c in before}

    before = {c: store.counts(c)["subtree"]["total"]
              for c in (tree.county, tree.city, tree.province, codes["ft"], codes["sz"],
                        codes["gd"], tree.acftu)}
    assert before == {tree.county: 3, tree.city: 3, tree.province: 3, codes["ft"]: 0,
                      codes["sz"]: 0, codes["gd"]: 0, tree.acftu: 3}
    assert {c: joins_in_february(c) for c in before} == before  # the dashboard's trend
    assert joins_by(date(2025, 2, 28)) == before
    assert set(joins_by(date(2025, 2, 2)).values()) == {0}  # the day before they joined

    moved = led.reparent_union(tree.township, parent_code=codes["ft"], recorded_by="o",
                               reason="区划调整", effective_on="2025-06-01")
    assert store.wait_for(moved.position)
    after = {c: store.counts(c)["subtree"]["total"] for c in before}
    assert after == {tree.county: 0, tree.city: 0, tree.province: 0, codes["ft"]: 3,
                     codes["sz"]: 3, codes["gd"]: 3, tree.acftu: 3}
    # the township takes its history along: its joins now count under the new county
    assert {c: joins_in_february(c) for c in before} == after
    assert joins_by(date(2025, 2, 28)) == after
    assert store.counts(codes["sz"])["subtree"]["by_worker_group"]["courier"] == 3
    assert [u["code"] for u in store.ancestors(tree.village)] == [
        tree.township, codes["ft"], codes["sz"], codes["gd"], tree.acftu]
    assert len(store.roster(codes["gd"], subtree=True)[0]) == 3
    assert store.roster(tree.province, subtree=True)[0] == []
    assert runner.check() == []
