"""Read-store connections: one thin layer over sqlite3 and psycopg 3 so each view writes SQL once.

SQL uses `?` placeholders and `@table` names; `Db.q` rewrites them for the dialect and for the
namespace (the live tables, or a scratch schema / attached database for `--check`).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg

APP_NAME = "union-ledger-projections"
COUNTER_FILLFACTOR = 50  # see Tx.counter_table
_TABLE = re.compile(r"@([a-z_]+)")
#: the views' identifier columns (member ids, union and region codes, statuses, periods) are
#: declared CODE: on PostgreSQL text in the "C" collation, compared byte by byte (the order of
#: C.UTF-8, without a locale library call per comparison: their keys and indexes build about
#: twice as fast); SQLite compares text byte by byte anyway. `CAST(? AS CODE)` likewise.
_CODE = re.compile(r"\bCODE\b")
_CAST_CODE = re.compile(r"CAST\((\?|%s) AS CODE\)")
DATE_COLS = frozenset({"since", "joined_on", "valid_from", "valid_to", "established_on",
                       "out_on", "dissolved_on"})
BOOL_COLS = frozenset({"erased", "dissolved", "closed"})
TS_COLS = frozenset({"updated_at", "recorded_at", "last_event_at"})
#: errors after which a runner reconnects and resumes from its tracking rows
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError, psycopg.InterfaceError, sqlite3.OperationalError,
    sqlite3.ProgrammingError,  # "Cannot operate on a closed database"
)


@dataclass(frozen=True)
class Target:
    """Where the read store lives: the ledger's SQLite file or its PostgreSQL database."""

    sqlite_path: Path | None = None
    pg_conninfo: str | None = None

    @property
    def dialect(self) -> str:
        return "postgres" if self.pg_conninfo else "sqlite"


def _norm(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DATE_COLS and isinstance(value, str):
        return date.fromisoformat(value)
    if name in BOOL_COLS:
        return bool(value)
    if name in TS_COLS and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


class Tx:
    """A cursor inside a transaction (or a read), speaking the Db's SQL dialect."""

    def __init__(self, db: Db, cur: Any) -> None:
        self.db = db
        self.cur = cur
        #: tables this transaction filled by COPY FREEZE (projections.bulk_members.copy_rows)
        self.frozen: set[str] = set()

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(self.db.q(sql), params)
        return int(self.cur.rowcount or 0)

    def _execute(self, sql: str, params: Sequence[Any], prepare: bool | None) -> None:
        """`prepare=False`: never a server-side prepared statement on PostgreSQL, so each run is
        planned for its own values (a query whose best plan depends on them: a prepared one
        falls back to a generic plan after a few runs). SQLite: no difference."""
        if prepare is None or self.db.dialect != "postgres":
            self.cur.execute(self.db.q(sql), params)
        else:
            self.cur.execute(self.db.q(sql), params, prepare=prepare)

    def all(self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
            ) -> list[tuple[Any, ...]]:
        self._execute(sql, params, prepare)
        return [tuple(r) for r in self.cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
            ) -> tuple[Any, ...] | None:
        self._execute(sql, params, prepare)
        row = self.cur.fetchone()
        return None if row is None else tuple(row)

    def dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts with dates, booleans and timestamps as Python values on both dialects."""
        self.cur.execute(self.db.q(sql), params)
        names = [d[0] for d in self.cur.description]
        return [{n: _norm(n, v) for n, v in zip(names, r, strict=True)}
                for r in self.cur.fetchall()]

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cur.executemany(self.db.q(sql), rows)

    def insert(self, table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]], *,
               freeze: bool = False) -> None:
        """Bulk insert of new rows: COPY on PostgreSQL, executemany on SQLite.

        `freeze`: the table was created in this transaction (a bulk rebuild's): COPY FREEZE
        writes the rows frozen and all-visible, nothing left for VACUUM to do (no other
        transaction can see the table before the commit anyway); `frozen` records it."""
        if not freeze and isinstance(rows, Sequence) and not rows:
            return  # (a frozen table is recorded even empty: it needs no VACUUM)
        names = ", ".join(cols)
        if self.db.dialect == "postgres":
            # binary, the columns' types from the catalog (read once per table): ~4x less
            # client CPU per row than text COPY, which escapes every field with a regex
            types = self.db.column_types(self, table)
            options = "FORMAT BINARY, FREEZE" if freeze else "FORMAT BINARY"
            with self.cur.copy(f"COPY {self.db.table(table)} ({names}) FROM STDIN"
                               f" ({options})") as cp:
                cp.set_types([types[c] for c in cols])
                for r in rows:
                    cp.write_row(r)
            if freeze:
                self.frozen.add(self.db.table(table))
        else:
            marks = ", ".join("?" * len(cols))
            self.cur.executemany(f"INSERT INTO {self.db.table(table)} ({names}) VALUES ({marks})",
                                 rows)

    def add_counts(self, table: str, keys: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Adds each row's last value to the counter `n` at its key (text columns `keys`),
        creating missing rows, then deletes counters left at 0 (so a table maintained
        incrementally equals a rebuilt one row for row). Rows: (*key, delta), keys unique.

        PostgreSQL: one statement over arrays per call instead of one upsert per row."""
        if not rows:
            return
        names = ", ".join(keys)
        t = self.db.table(table)
        if self.db.dialect == "postgres":
            cols = list(zip(*rows, strict=True))
            # the arrays in binary: in text every element is quoted and regex-escaped
            arrays = ", ".join(["%b::text[]"] * len(keys) + ["%b::bigint[]"])
            self.cur.execute(
                f"INSERT INTO {t} AS c ({names}, n) SELECT * FROM unnest({arrays})"
                f" ON CONFLICT ({names}) DO UPDATE SET n = c.n + excluded.n",
                [list(c) for c in cols])
            gone = [r for r in rows if r[-1] < 0]  # only a decrement can reach 0
            if gone:
                cols = list(zip(*gone, strict=True))
                self.cur.execute(
                    f"DELETE FROM {t} WHERE n = 0 AND ({names}) IN (SELECT * FROM unnest("
                    f"{', '.join(['%b::text[]'] * len(keys))}))", [list(c) for c in cols[:-1]])
            return
        marks = ", ".join("?" * (len(keys) + 1))
        self.cur.executemany(f"INSERT INTO {t} AS c ({names}, n) VALUES ({marks}) ON CONFLICT"
                             f" ({names}) DO UPDATE SET n = c.n + excluded.n", rows)
        where = " AND ".join(f"{k}=?" for k in keys)
        self.cur.executemany(f"DELETE FROM {t} WHERE {where} AND n=0",
                             [r[:-1] for r in rows if r[-1] < 0])

    def all_in(self, sql: str, keys: Sequence[str]) -> list[tuple[Any, ...]]:
        """`sql` with `{in}` after a column whose value is one of `keys` (no commas in keys)."""
        out: list[tuple[Any, ...]] = []
        if not keys:
            return out
        if self.db.dialect == "postgres":  # one text parameter: far cheaper than an array
            return self.all(sql.replace("{in}", "= ANY(string_to_array(?, ','))"),
                            [",".join(keys)])
        for i in range(0, len(keys), 900):
            chunk = keys[i : i + 900]
            out += self.all(sql.replace("{in}", f"IN ({','.join('?' * len(chunk))})"), chunk)
        return out

    def counter_table(self, table: str) -> None:
        """Marks a table of counters updated in place (every batch adds to the same rows) for
        HOT updates on PostgreSQL: half of each page left free, so a new row version stays
        on its page and the primary key gets no new entry (~20 % less per batch upsert)."""
        if self.db.dialect != "postgres":
            return
        opts = self.one("SELECT reloptions FROM pg_class WHERE oid = ?::regclass",
                        (self.db.table(table),))
        if not opts or f"fillfactor={COUNTER_FILLFACTOR}" not in (opts[0] or []):
            self.run(f"ALTER TABLE @{table} SET (fillfactor = {COUNTER_FILLFACTOR})")

    def drop_index(self, name: str) -> None:
        """Drops an index an older version of a view made (a no-op once gone)."""
        if self.db.dialect == "postgres":
            pre = f'"{self.db.ns}".' if self.db.ns else ""
        else:
            pre = f"{self.db.ns}." if self.db.ns else ""
        self.cur.execute(f"DROP INDEX IF EXISTS {pre}{name}")

    def create_index(self, name: str, table: str, cols: str, unique: bool = False,
                     where: str = "") -> None:
        u = "UNIQUE " if unique else ""
        partial = f" WHERE {where}" if where else ""
        if self.db.dialect == "postgres":
            self.cur.execute(f"CREATE {u}INDEX IF NOT EXISTS {name} ON {self.db.table(table)}"
                             f" ({cols}){partial}")
        else:
            pre = f"{self.db.ns}." if self.db.ns else ""
            self.cur.execute(f"CREATE {u}INDEX IF NOT EXISTS {pre}{name} ON {table} ({cols})"
                             f"{partial}")


class Db:
    """One connection (writer) or a pool (PostgreSQL readers) to the read store."""

    def __init__(self, target: Target, ns: str = "", *, pool: Any = None) -> None:
        self.target = target
        self.dialect = target.dialect
        self.ns = ns
        self.pool = pool
        self._conn: Any = None
        self._lock = threading.RLock()
        self._sql: dict[str, str] = {}
        self._types: dict[str, dict[str, str]] = {}  # table → column → type (binary COPY)
        self._sibling: Db | None = None
        sqlite3.register_adapter(date, date.isoformat)  # same text as the default; explicit

    def column_types(self, tx: Tx, table: str) -> dict[str, str]:
        """The table's column types as PostgreSQL names them (for binary COPY), cached until
        a view drops its tables (`forget_types`)."""
        name = self.table(table)
        types = self._types.get(name)
        if types is None:
            types = self._types[name] = dict(tx.all(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped", (name,)))
        return types

    def forget_types(self) -> None:
        self._types.clear()

    def table(self, name: str) -> str:
        if not self.ns:
            return name
        return f'"{self.ns}".{name}' if self.dialect == "postgres" else f"{self.ns}.{name}"

    def q(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = _TABLE.sub(lambda m: self.table(m.group(1)), sql)
            if self.dialect == "postgres":
                out = _CAST_CODE.sub(r'CAST(\1 AS TEXT) COLLATE "C"', out)
                out = _CODE.sub('TEXT COLLATE "C"', out)
                out = out.replace("?", "%s")
            else:
                out = _CODE.sub("TEXT", out)
            self._sql[sql] = out
        return out

    def ts(self, value: datetime) -> Any:
        return value if self.dialect == "postgres" else value.isoformat()

    @property
    def conn(self) -> Any:
        if self._conn is None:
            if self.target.pg_conninfo:
                self._conn = psycopg.connect(self.target.pg_conninfo, autocommit=True,
                                             application_name=APP_NAME)
                # A crash may lose the last commits, but rows and tracking together: the
                # view just resumes from an earlier position. Exactly-once holds.
                self._conn.execute("SET synchronous_commit = off")
            else:
                assert self.target.sqlite_path is not None
                c = sqlite3.connect(self.target.sqlite_path, timeout=30,
                                    isolation_level=None, check_same_thread=False)
                c.execute("PRAGMA journal_mode=WAL")
                c.execute("PRAGMA synchronous=NORMAL")  # WAL: durable against process crash
                self._conn = c
        return self._conn

    def sibling(self) -> Db:
        """A second writer connection to the same store (closed with this one)."""
        with self._lock:
            if self._sibling is None:
                self._sibling = Db(self.target, self.ns)
            return self._sibling

    def close(self) -> None:
        if self._sibling is not None:
            self._sibling.close()
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):  # a dead connection may fail to close
                    self._conn.close()
                self._conn = None

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """A write transaction: SQLite BEGIN IMMEDIATE (takes the write lock up front)."""
        with self._lock:
            conn = self.conn
            if self.dialect == "postgres":
                with conn.transaction(), conn.cursor() as cur:
                    yield Tx(self, cur)
                return
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self, cur)
            except BaseException:
                if conn.in_transaction:
                    cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read outside any transaction; PostgreSQL readers take a pooled connection."""
        if self.pool is not None:
            with self.pool.connection() as conn, conn.cursor() as cur:
                yield Tx(self, cur)
            return
        with self._lock:
            conn = self.conn
            if self.dialect == "postgres":
                with conn.cursor() as cur:
                    yield Tx(self, cur)
            else:
                yield Tx(self, conn.cursor())
