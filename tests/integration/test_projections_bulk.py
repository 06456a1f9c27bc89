"""Bulk rebuild: on a demo store with every kind of event it equals the live, event-by-event
projection row for row (also when its pages split members' histories), personal columns
included; a failure before the commit leaves the old views and positions as they were."""

from __future__ import annotations

import gc
import json
import random
import threading
import time
from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from api.demo import load_demo
from api.wiring import Runtime, build_runtime
from projections import ReadStore, Runner
from projections.base import kind_of
from projections.bulk import bulk_rebuild
from projections.bulk_load import stage_name
from projections.bulk_open import Opener, pack_list, unpack_list
from projections.bulk_read import Decoder, pages
from projections.member_directory import COLS as DIRECTORY_COLS
from projections.member_directory import personal_fields
from tests.builders import build_tree, join_request, person, self_employed
from tests.integration.projections_support import read_side  # noqa: F401 - fixture
from tests.integration.test_ledger_versioning import _v1_joined as v1_joined

Side = tuple[ReadStore, Runner]
CONSENT = {"given_by": "worker", "consented_at": "2026-11-20T09:30:00+08:00",
           "consent_text": "本人自愿加入工会，同意工会处理本人信息用于会员管理"}


def _snapshot(store: ReadStore, runner: Runner) -> dict[str, list[tuple[Any, ...]]]:
    with store.db.read() as tx:
        return {t: sorted(tx.all(f"SELECT * FROM @{t}"), key=repr)
                for v in runner.views for t in v.tables}


def _primary_keys(store: ReadStore, runner: Runner) -> dict[str, str]:
    tables = [t for v in runner.views for t in v.tables]
    with store.db.read() as tx:
        if store.db.dialect == "postgres":
            rows = tx.all("SELECT CAST(conrelid AS regclass)::text, pg_get_constraintdef(oid)"
                          " FROM pg_constraint WHERE contype = 'p'")
        else:  # SQLite keeps the key in the table's own CREATE statement
            rows = tx.all("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return {t: d for t, d in rows if t in tables}


def _live(runtime: Runtime, runner: Runner) -> None:
    led = runtime.ledger
    load_demo(led, members=300)
    # what the demo does not do: online applications (approved, rejected, pending), a rename
    tree = build_tree(led)
    rng = random.Random(5)
    nos = [led.repository.get(UUID(led.submit_application(
        details=person(rng), union_code=tree.township, worker_group="courier",
        situation=self_employed(), consent=CONSENT, recorded_by="applicant").id)).application_no
        for _ in range(3)]
    led.approve_application(nos[0], recorded_by="official-1")
    led.reject_application(nos[1], reason="材料不全", recorded_by="official-1")
    led.rename_union(tree.village, name="测试村新就业形态工会", recorded_by="official-1")
    runner.batch_size = 97  # many live batches, each seeing part of a member's history
    runner.catch_up()


def test_a_bulk_rebuild_of_a_demo_store_with_every_event_kind_equals_the_live_projection(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    _live(runtime, runner)
    kinds = {kind_of(n.topic) for n in runtime.ledger.recorder.select_notifications(
        start=1, limit=10**6)}
    assert set().union(*(v.kinds for v in runner.views)) <= kinds  # every kind a view reads
    live = _snapshot(store, runner)
    assert all(live.values()), [t for t, rows in live.items() if not rows]
    at = {c: i for i, c in enumerate(DIRECTORY_COLS)}
    erased = [r for r in live["member_directory"] if r[at["erased"]]]  # purged, no key
    assert erased and all(r[at["name_key"]] is r[at["personal"]] is None for r in erased)

    top = runtime.ledger.recorder.max_notification_id()
    keys = _primary_keys(store, runner)
    assert runner.rebuild() == top
    assert _snapshot(store, runner) == live
    assert set(runner.positions().values()) == {top}
    # the load drops the copied tables' primary keys and adds them back after: same keys
    assert _primary_keys(store, runner) == keys and len(keys) >= 8

    # tiny pages: every member's history spans pages, folded across them
    assert bulk_rebuild(runner, runner.views, page=13) == top
    assert _snapshot(store, runner) == live
    assert runner.check() == []

    # each view alone (its folds then cannot lean on another view's tables: membership_flows
    # copies its members itself when the directory is not rebuilt with it)
    for view in runner.views:
        assert bulk_rebuild(runner, [view]) == top
        assert _snapshot(store, runner) == live, view.name


def test_a_bulk_rebuild_that_fails_before_its_commit_leaves_the_views_as_they_were(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    store, runner = read_side
    _live(runtime, runner)
    live, positions = _snapshot(store, runner), runner.positions()
    periods = next(v for v in runner.views if v.name == "membership_periods")

    def crash(tx: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(periods, "create_indexes", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        runner.rebuild()
    monkeypatch.undo()
    assert runner.positions() == positions
    assert _snapshot(store, runner) == live
    assert _staging_schemas(store) == []  # PostgreSQL: the parts' staging schema is gone

    if store.db.dialect == "postgres":
        # a rebuild killed mid-load leaves its staging schema behind: the next one clears it
        stage = stage_name(runner.db)
        with store.db.tx() as tx:
            tx.run(f'CREATE SCHEMA "{stage}"')
            tx.run(f'CREATE TABLE "{stage}".member_directory (junk INTEGER)')
        assert _staging_schemas(store) == [stage]
        assert runner.rebuild() == max(positions.values())
        assert _snapshot(store, runner) == live and _staging_schemas(store) == []


def _staging_schemas(store: ReadStore) -> list[str]:
    if store.db.dialect != "postgres":
        return []
    with store.db.read() as tx:
        return [r[0] for r in tx.all(
            "SELECT nspname FROM pg_namespace WHERE left(nspname, 9) = 'ul_stage_'")]


def test_opening_many_sealed_details_at_once_gives_what_opening_each_gives(
    runtime: Runtime,
) -> None:
    vault, rng = runtime.vault, random.Random(9)
    subjects = [str(runtime.identity.membership_id(p.resident_id))
                for p in (person(rng) for _ in range(3))]
    tokens = [vault.seal(s, person(rng)) for s in subjects]
    vault.erase(subjects[1])
    pairs = [*zip(subjects, tokens, strict=True), (subjects[2], ""),
             (subjects[0], tokens[2])]  # no token; another subject's token
    expected = [vault.open(s, t) for s, t in pairs]
    assert None not in (expected[0], expected[2]) and expected[1::2] == [None, None]
    assert vault.open_many(pairs) == expected


def test_the_helpers_opened_details_are_taken_while_the_log_is_still_read(
    runtime: Runtime,
) -> None:
    """Each page's flush takes whatever the helper has answered so far (at a million members the
    answers otherwise waited in a full pipe until the load began: 1.8 s); each answer is matched
    to the member ids asked, in order, and a member's last token sent is the one that counts."""
    vault, rng = runtime.vault, random.Random(12)
    people = [person(rng) for _ in range(6)]
    subjects = [str(runtime.identity.membership_id(p.resident_id)) for p in people]
    tokens = [vault.seal(s, p) for s, p in zip(subjects, people, strict=True)]
    corrected = vault.seal(subjects[0], people[5])  # member 0's details, corrected later
    pages = [list(zip(subjects[:3], tokens[:3], strict=True)),
             list(zip(subjects[3:], tokens[3:], strict=True)), [(subjects[0], corrected)]]
    opener = Opener(partial(build_runtime, runtime.settings, create_table=False))
    try:
        for page in pages[:2]:
            for subject, token in page:
                opener.send(subject, token)
            opener.flush()
        deadline = time.monotonic() + 60
        while len(opener.opened) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
            opener.flush()  # nothing to send: takes what has come
        assert len(opener.opened) == 6  # before results() was asked for
        opener.send(*pages[2][0])
        opener.flush()
        got = opener.results(timeout=60)
    finally:
        opener.close()
    final = {**dict(zip(subjects, tokens, strict=True)), subjects[0]: corrected}
    assert got == {s: tuple(v for k, v in personal_fields(
        runtime.identity, t, vault.open(s, t)).items() if k != "personal")
        for s, t in final.items()}


def test_the_rebuild_decoder_gives_what_the_ledgers_mapper_gives_for_every_event(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    _, runner = read_side
    _live(runtime, runner)
    led = runtime.ledger
    top = led.recorder.max_notification_id()
    every = {kind_of(n.topic) for n in led.recorder.select_notifications(start=1, limit=10**6)}
    decoder, seen = Decoder(led.mapper), 0
    for rows in pages(led.recorder, every, top, 50):  # small pages: many fetches
        for position, originator_id, version, topic, state, member_id in rows:
            assert state is not None and member_id == str(originator_id)
            ev = decoder.event(topic, state, originator_id, version)
            (n,) = led.recorder.select_notifications(start=position, limit=1)
            expected = led.mapper.to_domain_event(n)
            assert type(ev) is type(expected) and ev.__dict__ == expected.__dict__
            assert {k: type(v) for k, v in vars(ev).items()} == {
                k: type(v) for k, v in vars(expected).items()}
            seen += 1
    assert seen == len(led.recorder.select_notifications(start=1, limit=10**6))
    # kinds no view reads come without their state (not even fetched)
    rows = [r for p in pages(led.recorder, {"Membership.Joined"}, top, 1000) for r in p]
    assert len(rows) == seen
    assert {kind_of(r[3]) for r in rows if r[4] is not None} == {"Membership.Joined"}


def test_the_bulk_read_gives_membership_events_their_id_as_text_and_others_their_uuid(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """The bulk rebuild fetches ids as text only (PostgreSQL) and keeps a membership event's as
    text (every fold reads the member id as text; building UUIDs cost ~1.2 s at a million
    members); everything else about each event is what the mapper gives."""
    _, runner = read_side
    _live(runtime, runner)
    led = runtime.ledger
    top = led.recorder.max_notification_id()
    every = {kind_of(n.topic) for n in led.recorder.select_notifications(start=1, limit=10**6)}
    decoder, kinds = Decoder(led.mapper, text_ids=True), set()
    for rows in pages(led.recorder, every, top, 50, uuids=False):
        for position, originator_id, version, topic, state, member_id in rows:
            assert state is not None
            if runtime.settings.database_url:  # PostgreSQL: not even fetched
                assert originator_id is None
            kind = kind_of(topic)
            oid = member_id if kind.startswith("Membership.") else UUID(member_id)
            ev = decoder.event(topic, state, oid, version)
            (n,) = led.recorder.select_notifications(start=position, limit=1)
            expected = vars(led.mapper.to_domain_event(n))
            assert type(ev.originator_id) is type(oid)
            assert ev.originator_id == (str(expected["originator_id"]) if kind.startswith(
                "Membership.") else expected["originator_id"])
            assert {k: v for k, v in vars(ev).items() if k != "originator_id"} == {
                k: v for k, v in expected.items() if k != "originator_id"}
            kinds.add(kind)
    assert {k.partition(".")[0] for k in kinds} >= {"Membership", "Union", "Employer"}


def test_a_stored_v1_joined_event_is_upcast_by_the_bulk_rebuild_as_by_the_live_path(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    store, runner = read_side
    led = runtime.ledger
    tree = build_tree(led)
    details = person(random.Random(61))
    mid, stored = v1_joined(led, tree, details)
    led.recorder.insert_events([stored])
    led.transfer_out(mid, destination_code=tree.township2, reason="搬家", recorded_by="o")
    runner.catch_up()  # event by event, through the ledger's mapper
    live = _snapshot(store, runner)
    (row,) = live["member_directory"]
    assert row[14] is None and str(row[5]) == "2021-06-01"  # campaign_id, joined_on
    assert runner.rebuild() == led.recorder.max_notification_id()
    assert _snapshot(store, runner) == live


def test_the_rebuild_decoder_takes_the_mappers_path_for_documents_its_fast_path_cannot_read(
    runtime: Runtime,
) -> None:
    """Transcodings where no earlier event of the kind had one, numbers orjson refuses, a
    missing date: each decodes as the mapper decodes it."""
    led = runtime.ledger
    tree = build_tree(led)
    led.join(join_request(person(random.Random(3)), tree.village))
    (n,) = [n for n in led.recorder.select_notifications(start=1, limit=10**6)
            if kind_of(n.topic) == "Membership.Joined"]
    mapper, decoder = led.mapper, Decoder(led.mapper)

    def stored(**changes: Any) -> StoredEvent:
        raw = n.state if not mapper.cipher else mapper.cipher.decrypt(n.state)
        if mapper.compressor:
            raw = mapper.compressor.decompress(raw)
        state = json.loads(raw)
        state.update(changes)
        raw = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        if mapper.compressor:
            raw = mapper.compressor.compress(raw)
        if mapper.cipher:
            raw = mapper.cipher.encrypt(raw)
        return StoredEvent(n.originator_id, n.originator_version, n.topic, raw)

    day = {"_type_": "date_iso", "_data_": "2024-02-29"}
    for s in [stored(), stored(extra=day), stored(employment={"since": day, "relation": "x"}),
              stored(big=2**70), stored(ratio=float("nan")), stored(effective_on=None),
              stored(), stored(nested={"_type_": "date_iso", "_data_": {"x": day}})]:
        try:
            expected = mapper.to_domain_event(s)
        except Exception as e:  # noqa: BLE001 - the decoder must fail the same way
            with pytest.raises(type(e)):
                decoder.event(s.topic, s.state, s.originator_id, s.originator_version)
            continue
        ev = decoder.event(s.topic, s.state, s.originator_id, s.originator_version)
        assert type(ev) is type(expected)
        assert repr(vars(ev)) == repr(vars(expected))  # repr: nan != nan


def test_a_bulk_rebuild_with_a_helper_process_opening_the_details_equals_the_live_projection(
    runtime: Runtime, read_side: Side, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On PostgreSQL the helper also folds and loads membership_flows and campaign_progress
    (projections.bulk_side); a helper that dies is replaced in process for both jobs."""
    store, runner = read_side
    pg = runtime.settings.is_postgres
    _live(runtime, runner)  # erasures, corrections and rejoins: tokens replaced after a join
    live = _snapshot(store, runner)
    helper = partial(build_runtime, runtime.settings, create_table=False)
    got: list[int] = []
    results = Opener.results

    def counted(self: Opener, timeout: float = 600.0) -> Any:
        out = results(self, timeout)
        got.append(len(out))
        return out

    monkeypatch.setattr(Opener, "results", counted)
    caplog.set_level("INFO", logger="projections")
    assert runner.rebuild(worker_runtime=helper) == runtime.ledger.recorder.max_notification_id()
    assert _snapshot(store, runner) == live
    assert got and got[0] >= len(live["member_directory"]) * 0.9  # the helper opened them
    # what it folded is freed by a thread of its own; then nothing stays out of the collector's
    # sight (_rebuild froze it)
    for t in threading.enumerate():
        if t.name == "rebuild-free":
            t.join(30)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    loaded = [r.message for r in caplog.records if r.name == "projections.bulk_side"]
    assert len(loaded) == pg
    assert all(m.startswith("the helper loaded membership_flows, campaign_progress (waited")
               for m in loaded)
    caplog.clear()

    # a helper that dies: every member is opened in process instead, the side views folded
    # here from a second read of the log
    monkeypatch.setattr(Opener, "results", lambda self, timeout=0: (self.close(), {})[1])
    runner.rebuild(worker_runtime=helper)
    assert _snapshot(store, runner) == live
    replaced = [r.message for r in caplog.records if r.name == "projections.bulk_side"]
    assert replaced == (["the helper did not load membership_flows, campaign_progress (the"
                         " helper process was stopped): folding them here"] if pg else [])


def test_a_bulk_rebuild_leaves_what_a_server_froze_frozen(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """The rebuild freezes what it made and thaws it after; not when something else is frozen
    already (a server's start-up objects, say): thawing would thaw those too."""
    store, runner = read_side
    _live(runtime, runner)
    live = _snapshot(store, runner)
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 1000
        runner.rebuild()
        for t in threading.enumerate():
            if t.name == "rebuild-free":
                t.join(30)
        assert gc.isenabled() and gc.get_freeze_count() > 1000  # (a few freed meanwhile)
    finally:
        gc.unfreeze()
    assert _snapshot(store, runner) == live


def test_a_bulk_rebuild_beside_a_runner_that_keeps_projecting_new_joins_loses_nothing(
    runtime: Runtime, read_side: Side,  # noqa: F811
) -> None:
    """Another process rebuilds every view (staged and swapped in on PostgreSQL) while this
    runner projects a stream of new joins: afterwards every view equals the aggregates and a
    fresh rebuild, nothing counted twice or skipped."""
    import threading

    from projections import open_read_side
    from tests.integration.projections_support import assert_views_match_aggregates

    store, runner = read_side
    led = runtime.ledger
    tree = build_tree(led)
    rng = random.Random(17)
    led.join_many([join_request(person(rng), tree.township) for _ in range(150)])
    runner.catch_up()
    other_store, other = open_read_side(runtime, start_runner=False)
    errors: list[BaseException] = []

    def keep_joining() -> None:
        try:
            for i in range(6):
                led.join_many([join_request(person(random.Random(1000 + 40 * i + k)),
                                            tree.village) for k in range(40)])
                runner.catch_up()
        except BaseException as e:  # noqa: BLE001 - re-raised by the test below
            errors.append(e)

    writer = threading.Thread(target=keep_joining)
    writer.start()
    try:
        for _ in range(2):
            other.rebuild()
    finally:
        writer.join()
        other_store.close()
    assert errors == []
    runner.catch_up()
    top = led.recorder.max_notification_id()
    assert set(store.positions().values()) == {top}
    assert store.counts(tree.village)["self"]["total"] == 240
    assert_views_match_aggregates(runtime, store)
    assert runner.check() == []


def test_batches_for_the_helper_round_trip_by_marshal_or_else_by_pickle() -> None:
    """The helper's batches are marshalled (far less CPU than pickling tuples of str and int);
    a batch holding anything marshal cannot write (a datetime) goes by pickle, unchanged."""
    plain = [(1, "Membership.Joined", "m-1", None, 739_000), ("m-2", "x" * 200)]
    odd = [(2, datetime(2026, 11, 29, 9, 30, tzinfo=UTC), date(2026, 11, 29))]
    assert pack_list(plain)[:1] == b"M" and unpack_list(pack_list(plain)) == plain
    assert unpack_list(pack_list(plain, refs=True)) == plain
    assert pack_list(odd)[:1] == b"P" and unpack_list(pack_list(odd)) == odd
