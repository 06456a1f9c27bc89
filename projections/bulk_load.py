"""Writing a bulk rebuild's folded rows: each fold hands over `Part`s (views whose tables one
transaction creates and fills), and `load` puts them in place of the live tables.

SQLite: every part in one transaction with the tracking. PostgreSQL: the parts are loaded in
parallel, each on its own connection into a staging schema (its tables created, COPY FREEZE'd,
keyed, indexed and analysed there), then ONE short transaction drops the live tables, moves
the staged ones into the live schema and sets the tracking. Until that commit the live views
and positions are untouched; a crash leaves only the staging schema, dropped by the next
rebuild. The parts overlap what the client does (folding rows, binary encoding) with what the
server does (parsing, index builds) on every core instead of one step after another.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, Protocol

import psycopg

from projections.base import View
from projections.db import APP_NAME, Db, Target, Tx

log = logging.getLogger(__name__)
#: connections building parts' keys and indexes while the next part is filled
FINISHERS = 2
#: this session's sorts (the index builds after the load) in memory, not on disk
SORT_MEMORY = "256MB"


class Part(NamedTuple):
    """What one load transaction does: create `views`' tables and fill them with `load`.

    `copied`: the load only COPYs (or INSERT ... SELECTs) into its fresh tables, so no
    statement needs their primary keys: dropped for the load and added back after it.
    `size`: roughly the rows it writes (the largest parts start first).
    `after`: views whose parts must be loaded first (`post` reads their tables).
    `post`: statements the server runs once the load is committed, before the keys: on
    PostgreSQL on another connection, while the next part is filled (sums, copies between
    tables: work for the server's core, not this process's); `writes`: the tables it fills."""

    views: tuple[View, ...]
    load: Callable[[Tx], None]
    copied: bool = True
    size: int = 0
    after: frozenset[str] = frozenset()
    post: Callable[[Tx], None] | None = None
    writes: tuple[str, ...] = ()


def ordered(parts: Sequence[Part]) -> list[Part]:
    """Largest first (its keys and indexes start soonest), each after the views it reads."""
    todo = sorted(parts, key=lambda p: -p.size)
    out: list[Part] = []
    done: set[str] = set()
    while todo:
        ready = next((p for p in todo if p.after <= done), todo[0])  # unknown names: no wait
        todo.remove(ready)
        out.append(ready)
        done |= {v.name for v in ready.views}
    return out


def copy_rows(tx: Tx, table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows into a table created in this transaction: one streamed binary COPY FREEZE on
    PostgreSQL (`Tx.insert`), executemany (same transaction) on SQLite."""
    tx.insert(table, cols, rows, freeze=True)


class Remote(Protocol):
    """Parts loaded into the staging schema elsewhere (projections.bulk_side: by the rebuild's
    helper process), while this process loads its own."""

    def begin(self, stage: str) -> None:
        """Starts loading them into `stage` (returns at once)."""

    def end(self, target: Target, stage: str) -> list[str]:
        """Waits until they are loaded (or loads them here, should that have failed); returns
        their tables to VACUUM."""


def load(db: Db, views: Sequence[View], parts: Sequence[Part],
         finish: Callable[[Tx], None], start: Callable[[Tx], None] | None = None,
         remote: Remote | None = None) -> None:
    """Replaces `views`' tables by what `parts` (and, on PostgreSQL, `remote`) load;
    `start(tx)` opens the transaction that swaps them in (the tracking rows' locks, taken
    before any table's: the order the live runner takes them in), `finish(tx)` (the tracking)
    commits with it. Every view's tables must belong to exactly one part."""
    if db.dialect == "postgres":
        _staged(db, views, parts, finish, start, remote)
        return
    assert remote is None, "parts loaded elsewhere need the staging schema (PostgreSQL)"
    with db.tx() as tx:
        if start is not None:
            start(tx)
        for v in views:
            v.drop(tx)
        for part in ordered(parts):
            _fill(tx, part)
        finish(tx)


def _fill(tx: Tx, part: Part) -> None:
    """Creates the part's tables, loads them (without their primary keys while copying), then
    keys and indexes them: each index built once, by sorting, not row by row."""
    for v in part.views:
        v.create(tx)
    keys = _drop_primary_keys(tx, part.views) if part.copied else []
    part.load(tx)
    if part.post is not None:
        part.post(tx)
    for table, name, definition in keys:  # a duplicate row would fail here: the whole load
        tx.run(f"ALTER TABLE {tx.db.table(table)} ADD CONSTRAINT {name} {definition}")
    for v in part.views:
        v.create_indexes(tx)


def _drop_primary_keys(tx: Tx, views: Sequence[View]) -> list[tuple[str, str, str]]:
    """PostgreSQL: the fresh tables' primary keys, dropped for the load and returned as
    (table, constraint, definition) to be added back after it (100k members: load 1.9 ->
    1.6 s). The constraint is the same."""
    if tx.db.dialect != "postgres":
        return []
    keys: list[tuple[str, str, str]] = []
    for v in views:
        for table in v.tables:
            row = tx.one("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                         " WHERE conrelid = CAST(? AS regclass) AND contype = 'p'",
                         (tx.db.table(table),))
            if row is not None:
                tx.run(f"ALTER TABLE {tx.db.table(table)} DROP CONSTRAINT {row[0]}")
                keys.append((table, str(row[0]), str(row[1])))
    return keys


def stage_name(db: Db) -> str:
    """The staging schema of the namespace `db` writes (the live one, or --check's)."""
    digest = hashlib.sha1((db.ns or "live").encode()).hexdigest()[:12]
    return f"ul_stage_{digest}"


def _staged(db: Db, views: Sequence[View], parts: Sequence[Part],
            finish: Callable[[Tx], None], start: Callable[[Tx], None] | None,
            remote: Remote | None) -> None:
    stage = stage_name(db)
    assert db.target.pg_conninfo is not None
    # one rebuild of a namespace at a time (the schema is theirs); held until the end
    guard = psycopg.connect(db.target.pg_conninfo, autocommit=True, application_name=APP_NAME)
    loader = Db(db.target, stage)
    try:
        guard.execute("SELECT pg_advisory_lock(hashtext(%s))", (stage,))
        guard.execute(f'DROP SCHEMA IF EXISTS "{stage}" CASCADE')  # a crashed rebuild's
        guard.execute(f'CREATE SCHEMA "{stage}"')
        if remote is not None:
            remote.begin(stage)
        # The rows are made here, one part after another (Python: one thread at a time
        # anyway); each part's keys, indexes and statistics are built by the server on
        # other connections meanwhile. Largest first: its indexes start soonest.
        with ThreadPoolExecutor(FINISHERS, thread_name_prefix="rebuild-index") as pool:
            pending = [pool.submit(_finish_part, db.target, stage, p, *_load_part(loader, p))
                       for p in ordered(parts)]
            thawed = [t for done in pending for t in done.result()]
            if remote is not None:
                thawed += remote.end(db.target, stage)
            # VACUUM only now: a page is all-visible once no transaction could still miss its
            # rows, and the loader's next transaction was open while each part finished
            loader.close()
            guard.execute("SELECT txid_current()")  # a synchronous commit flushes the others'
            started = time.perf_counter()
            for done in [pool.submit(_vacuum, db.target, t) for t in thawed]:
                done.result()
            if thawed:
                log.info("vacuumed %s in %.2f s", ", ".join(thawed),
                         time.perf_counter() - started)
        started = time.perf_counter()
        with db.tx() as tx:
            tx.run("SELECT pg_advisory_xact_lock(8111)")  # not while a runner creates tables
            if start is not None:
                start(tx)
            live = db.ns or str(tx.one("SELECT current_schema()")[0])  # type: ignore[index]
            for v in views:
                v.drop(tx)
            for v in views:
                for t in v.tables:
                    tx.run(f'ALTER TABLE "{stage}".{t} SET SCHEMA "{live}"')
            finish(tx)
        log.info("swapped in %s in %.2f s", ", ".join(v.name for v in views),
                 time.perf_counter() - started)
    finally:
        loader.close()
        try:
            guard.execute(f'DROP SCHEMA IF EXISTS "{stage}" CASCADE')
        finally:
            guard.close()


Keys = list[tuple[str, str, str]]


def load_parts(target: Target, stage: str, parts: Sequence[Part]) -> list[str]:
    """Loads `parts` into the staging schema `stage`, one after another, from a process or
    thread of its own (projections.bulk_side); returns the tables to VACUUM."""
    loader = Db(target, stage)
    try:
        return [t for p in ordered(parts)
                for t in _finish_part(target, stage, p, *_load_part(loader, p))]
    finally:
        loader.close()


def _load_part(loader: Db, part: Part) -> tuple[Keys, set[str]]:
    """Creates the part's tables and fills them in one committed transaction, without the
    primary keys of copied tables; returns those keys and the tables COPY FREEZE wrote."""
    started, cpu = time.perf_counter(), time.thread_time()
    with loader.tx() as tx:
        for v in part.views:
            v.create(tx)
        keys = _drop_primary_keys(tx, part.views) if part.copied else []
        part.load(tx)
        frozen = set(tx.frozen)
    log.info("filled %s in %.2f s (%.2f s CPU here)", ", ".join(v.name for v in part.views),
             time.perf_counter() - started, time.thread_time() - cpu)
    return keys, frozen


def _finish_part(target: Target, stage: str, part: Part, keys: Keys, frozen: set[str]
                 ) -> list[str]:
    """The part's primary keys and indexes (each built once, by sorting), then its tables'
    statistics: on a connection of its own, while the next part is filled. Returns the tables
    not written by COPY FREEZE alone (to VACUUM)."""
    sdb = Db(target, stage)
    started = time.perf_counter()
    try:
        with sdb.tx() as tx:
            tx.run(f"SET LOCAL maintenance_work_mem = '{SORT_MEMORY}'")
            # one process per index build: the rebuild keeps every core busy already, and
            # workers sorting each a share then merging only added CPU (see BENCHMARKS.md)
            tx.run("SET LOCAL max_parallel_maintenance_workers = 0")
            if part.post is not None:
                part.post(tx)
                # rows added outside the COPY FREEZE: VACUUM those tables too
                frozen = frozen - {tx.db.table(t) for t in part.writes}
            for table, name, definition in keys:  # a duplicate row fails here: the rebuild
                tx.run(f"ALTER TABLE {tx.db.table(table)} ADD CONSTRAINT {name} {definition}")
            for v in part.views:
                v.create_indexes(tx)
            tables = [tx.db.table(t) for v in part.views for t in v.tables]
            for t in tables:
                if t in frozen:  # all-visible already, no dead tuples: statistics only
                    tx.run(f"ANALYZE {t}")
        log.info("indexed %s in %.2f s", ", ".join(v.name for v in part.views),
                 time.perf_counter() - started)
        return [t for t in tables if t not in frozen]
    finally:
        sdb.close()


def _vacuum(target: Target, table: str) -> None:
    """VACUUM (outside a transaction) of a table not written by COPY FREEZE: its visibility
    map, for index-only scans. It marks a page all-visible only once the commits that wrote
    it are flushed (they were asynchronous): the caller made one synchronous commit."""
    assert target.pg_conninfo is not None
    with psycopg.connect(target.pg_conninfo, autocommit=True, application_name=APP_NAME) as c:
        # INDEX_CLEANUP ON: never skip the pass that lets pages with dead line pointers
        # become all-visible
        c.execute(f"VACUUM (ANALYZE, INDEX_CLEANUP ON) {table}")
