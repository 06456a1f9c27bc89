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
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import psycopg

from projections.base import View
from projections.db import APP_NAME, Db, Target, Tx

#: connections loading parts at once (the machine's two cores: one encodes rows while the
#: server parses another part's and builds a third's indexes)
LOADERS = 3
#: this session's sorts (the index builds after the load) in memory, not on disk
SORT_MEMORY = "256MB"


class Part(NamedTuple):
    """What one load transaction does: create `views`' tables and fill them with `load`.

    `copied`: the load only COPYs (or INSERT ... SELECTs) into its fresh tables, so no
    statement needs their primary keys: dropped for the load and added back after it.
    `size`: roughly the rows it writes (the largest parts start first)."""

    views: tuple[View, ...]
    load: Callable[[Tx], None]
    copied: bool = True
    size: int = 0


def copy_rows(tx: Tx, table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows into a table created in this transaction: one streamed COPY on PostgreSQL, FREEZE
    (written frozen and all-visible: nothing left for VACUUM to do, and no other transaction
    can see the table before the commit anyway) and binary (the columns' types from the
    catalog: less to format here, less to parse there); executemany (same transaction) on
    SQLite."""
    names = ", ".join(cols)
    if tx.db.dialect == "postgres":
        types = dict(tx.all("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                            " WHERE attrelid = ?::regclass AND attnum > 0", (tx.db.table(table),)))
        with tx.cur.copy(f"COPY {tx.db.table(table)} ({names}) FROM STDIN"
                         " (FORMAT BINARY, FREEZE)") as cp:
            cp.set_types([types[c] for c in cols])
            for r in rows:
                cp.write_row(r)
        tx.frozen.add(tx.db.table(table))
    else:
        marks = ", ".join("?" * len(cols))
        tx.cur.executemany(f"INSERT INTO {tx.db.table(table)} ({names}) VALUES ({marks})", rows)


def load(db: Db, views: Sequence[View], parts: Sequence[Part],
         finish: Callable[[Tx], None]) -> None:
    """Replaces `views`' tables by what `parts` load; `finish(tx)` (the tracking) commits with
    the swap. Every view's tables must belong to exactly one part."""
    if db.dialect == "postgres":
        _staged(db, views, parts, finish)
        return
    with db.tx() as tx:
        for v in views:
            v.drop(tx)
        for part in reversed(parts):
            _fill(tx, part)
        finish(tx)


def _fill(tx: Tx, part: Part) -> None:
    """Creates the part's tables, loads them (without their primary keys while copying), then
    keys and indexes them: each index built once, by sorting, not row by row."""
    for v in part.views:
        v.create(tx)
    keys = _drop_primary_keys(tx, part.views) if part.copied else []
    part.load(tx)
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
            finish: Callable[[Tx], None]) -> None:
    stage = stage_name(db)
    assert db.target.pg_conninfo is not None
    # one rebuild of a namespace at a time (the schema is theirs); held until the end
    guard = psycopg.connect(db.target.pg_conninfo, autocommit=True, application_name=APP_NAME)
    try:
        guard.execute("SELECT pg_advisory_lock(hashtext(%s))", (stage,))
        guard.execute(f'DROP SCHEMA IF EXISTS "{stage}" CASCADE')  # a crashed rebuild's
        guard.execute(f'CREATE SCHEMA "{stage}"')
        # largest first: the small parts fill the gaps at the end
        order = sorted(parts, key=lambda p: -p.size)
        with ThreadPoolExecutor(LOADERS, thread_name_prefix="rebuild-load") as pool:
            for done in [pool.submit(_load_part, db.target, stage, p) for p in order]:
                done.result()
        with db.tx() as tx:
            tx.run("SELECT pg_advisory_xact_lock(8111)")  # not while a runner creates tables
            live = db.ns or str(tx.one("SELECT current_schema()")[0])  # type: ignore[index]
            for v in views:
                v.drop(tx)
            for v in views:
                for t in v.tables:
                    tx.run(f'ALTER TABLE "{stage}".{t} SET SCHEMA "{live}"')
            finish(tx)
    finally:
        try:
            guard.execute(f'DROP SCHEMA IF EXISTS "{stage}" CASCADE')
        finally:
            guard.close()


def _load_part(target: Target, stage: str, part: Part) -> None:
    """One part in its own transaction on its own connection, then its tables' statistics
    (and, for tables not written by COPY FREEZE, their visibility map: index-only scans)."""
    sdb = Db(target, stage)
    try:
        with sdb.tx() as tx:
            tx.run(f"SET LOCAL maintenance_work_mem = '{SORT_MEMORY}'")
            _fill(tx, part)
            tables = [tx.db.table(t) for v in part.views for t in v.tables]
            frozen = set(tx.frozen)
            for t in tables:
                if t in frozen:  # all-visible already, no dead tuples: statistics only
                    tx.run(f"ANALYZE {t}")
        thawed = [t for t in tables if t not in frozen]
        if thawed:
            conn = sdb.conn  # autocommit: VACUUM runs outside a transaction
            # VACUUM marks a page all-visible only once the load's commit is flushed (it was
            # asynchronous): one synchronous commit flushes it
            conn.execute("SET synchronous_commit = on")
            conn.execute("SELECT txid_current()")
            for t in thawed:
                # INDEX_CLEANUP ON: never skip the pass that lets pages with dead line
                # pointers become all-visible
                conn.execute(f"VACUUM (ANALYZE, INDEX_CLEANUP ON) {t}")
    finally:
        sdb.close()
