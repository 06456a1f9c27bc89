"""Audit chain storage: reading stored-event records, their canonical hashing, the chain table.

Works on a `sqlite3.Connection` (eventsourcing.sqlite) or a psycopg 3 connection.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

DEFAULT_EVENTS_TABLE_SQLITE = "stored_events"
DEFAULT_EVENTS_TABLE_POSTGRES = "ledger_events"
DEFAULT_CHAIN_TABLE = "ledger_chain"
BATCH_SIZE = 10_000
GENESIS = bytes(32)

# Optional schema, then the table: both plain identifiers, so they can be quoted safely.
_NAME = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$")


class StoredRecord(NamedTuple):
    notification_id: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


class ChainEntry(NamedTuple):
    notification_id: int
    record_hash: bytes
    chain_hash: bytes


class ChainHead(NamedTuple):
    notification_id: int
    record_count: int
    chain_hash: bytes


def _canonical_id(originator_id: str) -> str:
    try:
        return str(uuid.UUID(originator_id))
    except ValueError:  # not a UUID (a forged row?): hash it as stored
        return originator_id


def record_content(originator_id: str, version: int, topic: str, state: bytes) -> bytes:
    """Length-prefixed encoding of a record's content (everything but its position)."""
    oid = _canonical_id(originator_id).encode()
    top = topic.encode()
    return struct.pack(f">I{len(oid)}sqI{len(top)}sQ", len(oid), oid, version, len(top), top,
                       len(state)) + state


def chain_step(prev: bytes, notification_id: int, content: bytes) -> tuple[bytes, bytes]:
    """Return (record_hash, chain_hash): h_i = SHA-256(h_{i-1} || u64 id || content_i)."""
    h = hashlib.sha256(prev)
    h.update(struct.pack(">Q", notification_id))
    h.update(content)
    return hashlib.sha256(content).digest(), h.digest()


def hash_record(prev: bytes, r: StoredRecord) -> tuple[bytes, bytes]:
    """(record_hash, chain_hash) of a stored record chained after `prev`."""
    content = record_content(r.originator_id, r.originator_version, r.topic, r.state)
    return chain_step(prev, r.notification_id, content)


def chain_entries(prev: bytes, records: Iterable[StoredRecord]) -> tuple[list[ChainEntry], bytes]:
    """Chain entries for records following `prev`, and the new head hash."""
    entries = []
    for r in records:
        record_hash, prev = hash_record(prev, r)
        entries.append(ChainEntry(r.notification_id, record_hash, prev))
    return entries, prev


def is_sqlite(conn: Any) -> bool:
    return isinstance(conn, sqlite3.Connection)


def default_events_table(conn: Any) -> str:
    return DEFAULT_EVENTS_TABLE_SQLITE if is_sqlite(conn) else DEFAULT_EVENTS_TABLE_POSTGRES


def quote_table(name: str) -> str:
    """Quote a `table` or `schema.table` name; refuse anything else."""
    if not _NAME.match(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return ".".join(f'"{part}"' for part in name.split("."))


def _id_column(conn: Any) -> str:
    return "rowid" if is_sqlite(conn) else "notification_id"


def _fetch(conn: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
    rows: list[Any]
    if is_sqlite(conn):
        rows = conn.execute(sql.replace("%s", "?"), params).fetchall()
        return rows
    # Binary transfer: bytea and uuid arrive without text decoding (much faster).
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(sql, params).fetchall()
    return rows


def iter_records(
    conn: Any,
    events_table: str,
    *,
    after: int = 0,
    upto: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[StoredRecord]:
    """Yield stored records with after < notification id (<= upto), in notification order."""
    col = _id_column(conn)
    sql = (
        f"SELECT {col}, originator_id, originator_version, topic, state "
        f"FROM {quote_table(events_table)} WHERE {col} > %s"
        + (f" AND {col} <= %s" if upto is not None else "")
        + f" ORDER BY {col} LIMIT %s"
    )
    last = after
    while True:
        params = (last, upto, batch_size) if upto is not None else (last, batch_size)
        rows = _fetch(conn, sql, params)
        for nid, oid, version, topic, state in rows:
            yield StoredRecord(int(nid), str(oid), int(version), str(topic), bytes(state or b""))
        if len(rows) < batch_size:
            return
        last = int(rows[-1][0])


def max_record_id(conn: Any, events_table: str) -> int:
    """Highest committed notification id; on PostgreSQL every lower id is committed too."""
    table = quote_table(events_table)
    if is_sqlite(conn):
        return int(conn.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0] or 0)
    conn.commit()
    # Writers hold an EXCLUSIVE lock until commit: a SHARE lock waits for them, so no
    # lower id can still appear after we read the maximum. Released at once.
    with conn.transaction():
        conn.execute(f"LOCK TABLE {table} IN SHARE MODE")
        row = conn.execute(f"SELECT MAX(notification_id) FROM {table}").fetchone()
    return int(row[0] or 0)


def end_read(conn: Any) -> None:
    """Close a psycopg read transaction so the connection does not sit idle in transaction."""
    if not is_sqlite(conn) and not conn.autocommit and not conn.closed:
        conn.rollback()


def create_chain_table(conn: Any, chain_table: str) -> None:
    blob, integer = ("BLOB", "INTEGER") if is_sqlite(conn) else ("bytea", "bigint")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {quote_table(chain_table)} ("
        f"notification_id {integer} PRIMARY KEY, "
        f"record_hash {blob} NOT NULL, chain_hash {blob} NOT NULL)"
    )
    conn.commit()


def chain_table_exists(conn: Any, chain_table: str) -> bool:
    quote_table(chain_table)
    if is_sqlite(conn):
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return conn.execute(sql, (chain_table,)).fetchone() is not None
    row = conn.execute("SELECT to_regclass(%s)", (quote_table(chain_table),)).fetchone()
    return row[0] is not None


def chain_head(conn: Any, chain_table: str) -> ChainEntry | None:
    rows = _fetch(
        conn,
        f"SELECT notification_id, record_hash, chain_hash FROM {quote_table(chain_table)} "
        "ORDER BY notification_id DESC LIMIT 1",
        (),
    )
    return ChainEntry(int(rows[0][0]), bytes(rows[0][1]), bytes(rows[0][2])) if rows else None


def chain_count(conn: Any, chain_table: str, upto: int) -> int:
    sql = f"SELECT COUNT(*) FROM {quote_table(chain_table)} WHERE notification_id <= %s"
    return int(_fetch(conn, sql, (upto,))[0][0])


def iter_chain(
    conn: Any, chain_table: str, *, upto: int, batch_size: int = BATCH_SIZE
) -> Iterator[ChainEntry]:
    sql = (
        f"SELECT notification_id, record_hash, chain_hash FROM {quote_table(chain_table)} "
        "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s"
    )
    last = 0
    while True:
        rows = _fetch(conn, sql, (last, upto, batch_size))
        for nid, record_hash, chain_hash in rows:
            yield ChainEntry(int(nid), bytes(record_hash), bytes(chain_hash))
        if len(rows) < batch_size:
            return
        last = int(rows[-1][0])


def find_chain_ids_by_record_hash(conn: Any, chain_table: str, record_hash: bytes) -> list[int]:
    sql = f"SELECT notification_id FROM {quote_table(chain_table)} WHERE record_hash = %s"
    return [int(r[0]) for r in _fetch(conn, sql, (record_hash,))]


def append_chain(conn: Any, chain_table: str, entries: Iterable[ChainEntry]) -> None:
    """Insert chain entries and commit (one transaction per call)."""
    table = quote_table(chain_table)
    if is_sqlite(conn):
        conn.executemany(
            f"INSERT INTO {table} (notification_id, record_hash, chain_hash) VALUES (?, ?, ?)",
            entries,
        )
    else:
        with conn.cursor() as cur, cur.copy(
            f"COPY {table} (notification_id, record_hash, chain_hash) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "bytea", "bytea"])
            for entry in entries:
                copy.write_row(entry)
    conn.commit()


def find_record_id(
    conn: Any, events_table: str, fits: Callable[[StoredRecord], bool], *, skip: int,
    batch_size: int = BATCH_SIZE,
) -> int | None:
    """Notification id of the first record (other than `skip`) for which `fits` holds."""
    for r in iter_records(conn, events_table, batch_size=batch_size):
        if r.notification_id != skip and fits(r):
            return r.notification_id
    return None
