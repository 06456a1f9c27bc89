"""KeyStore implementations on SQLite and PostgreSQL: wrapped data keys in a mutable table.

Erasure deletes the row, so the key is gone while the immutable event history stays.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from psycopg.errors import UniqueViolation
from psycopg_pool import ConnectionPool


class SqliteKeyStore:
    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS ledger_keys (subject TEXT PRIMARY KEY, wrapped BLOB)"
            )

    def get(self, subject: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT wrapped FROM ledger_keys WHERE subject=?", (subject,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def get_many(self, subjects: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        items = list(subjects)
        with self._lock:
            for i in range(0, len(items), 500):
                chunk = items[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for s, w in self._conn.execute(
                    f"SELECT subject, wrapped FROM ledger_keys WHERE subject IN ({marks})", chunk
                ):
                    out[s] = bytes(w)
        return out

    def put_many(self, items: dict[str, bytes]) -> set[str] | None:
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR IGNORE INTO ledger_keys (subject, wrapped) VALUES (?, ?)",
                list(items.items()),
            )
        return None  # which rows were new is not known: the vault re-reads them

    def delete(self, subject: str) -> bool:
        with self._lock, self._conn:
            cur = self._conn.execute("DELETE FROM ledger_keys WHERE subject=?", (subject,))
        return cur.rowcount > 0

    def close(self) -> None:
        self._conn.close()


class PostgresKeyStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        with pool.connection() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS ledger_keys (subject text PRIMARY KEY, wrapped bytea)"
            )

    def get(self, subject: str) -> bytes | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT wrapped FROM ledger_keys WHERE subject=%s", (subject,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def get_many(self, subjects: Iterable[str]) -> dict[str, bytes]:
        # the subjects and the keys travel in binary (in text every array element is quoted
        # and every key hex-encoded: a rebuild opening a million details asks for all of them)
        with self._pool.connection() as conn, conn.cursor(binary=True) as cur:
            rows = cur.execute(
                "SELECT subject, wrapped FROM ledger_keys WHERE subject = ANY(%b::text[])",
                (list(subjects),),
            ).fetchall()
        return {s: bytes(w) for s, w in rows}

    def scan(self, limit: int) -> dict[str, bytes] | None:
        """Every key at once, read in one pass (a rebuild opening every member's details:
        asking for 20,000 at a time makes the server scan the whole table each time), or None
        if there are more than about `limit`."""
        with self._pool.connection() as conn:
            row = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'ledger_keys'::regclass"
                               ).fetchone()
            if row is None or row[0] > limit:
                return None
            with conn.transaction(), conn.cursor("ledger_keys_scan", binary=True) as cur:
                cur.itersize = 20_000
                cur.execute("SELECT subject, wrapped FROM ledger_keys")
                return {s: bytes(w) for s, w in cur}

    def put_many(self, items: dict[str, bytes]) -> set[str] | None:
        """One INSERT … SELECT FROM unnest(arrays) for the whole batch (not a statement per
        key, nor a 1,000-placeholder statement psycopg re-parses each time; the arrays go in
        binary), so the vault need not read the keys back.

        Tried first as a plain INSERT: a batch of new people (an import's) then costs the
        server a third less than ON CONFLICT's speculative insertion (measured: 6.2 against
        9.9 µs per key). If any subject already has a key (a re-import, an applicant, another
        writer first), that statement fails whole and changes nothing; the batch is then
        inserted with ON CONFLICT DO NOTHING, RETURNING the subjects this call stored."""
        if not items:
            return set()
        params = (list(items), list(items.values()))
        with self._pool.connection() as conn:
            try:
                with conn.transaction():
                    conn.execute("INSERT INTO ledger_keys (subject, wrapped)"
                                 " SELECT * FROM unnest(%b::text[], %b::bytea[])", params)
                return set(items)
            except UniqueViolation:
                pass
            with conn.transaction():
                rows = conn.execute(
                    "INSERT INTO ledger_keys (subject, wrapped)"
                    " SELECT * FROM unnest(%b::text[], %b::bytea[])"
                    " ON CONFLICT (subject) DO NOTHING RETURNING subject", params).fetchall()
        return {r[0] for r in rows}

    def delete(self, subject: str) -> bool:
        with self._pool.connection() as conn:
            cur = conn.execute("DELETE FROM ledger_keys WHERE subject=%s", (subject,))
        return cur.rowcount > 0

    def close(self) -> None:
        pass
