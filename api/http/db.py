"""A tiny SQL runner over the ledger's own database (the SQLite file or the PostgreSQL pool).

The API's own tables (idempotency keys, access log) live next to the events, on both backends.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from api.wiring import Runtime


class ApiDatabase:
    """Runs `?`-style SQL on SQLite or PostgreSQL; DDL is given per dialect."""

    def __init__(self, runtime: Runtime) -> None:
        self.pool = runtime.pool
        self.is_postgres = self.pool is not None
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        if not self.is_postgres:
            self._conn = sqlite3.connect(
                runtime.settings.sqlite_path, check_same_thread=False, timeout=30
            )
            self._conn.execute("PRAGMA journal_mode=WAL")

    def ddl(self, sqlite_sql: str, postgres_sql: str) -> None:
        self.execute(postgres_sql if self.is_postgres else sqlite_sql)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.pool is not None:
            with self.pool.connection() as conn:
                cur = conn.execute(sql.replace("?", "%s"), params)
                return list(cur.fetchall()) if cur.description else []
        assert self._conn is not None
        with self._lock, self._conn:
            return list(self._conn.execute(sql, params).fetchall())

    def ping(self) -> bool:
        try:
            self.execute("SELECT 1")
        except Exception:  # readiness reports it; the caller decides the status
            return False
        return True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
