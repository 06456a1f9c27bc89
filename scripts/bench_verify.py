"""Throughput of the audit chain: extend_chain + verify against just reading the same rows.

Usage: .venv/bin/python scripts/bench_verify.py [--records N] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

from api.audit_chain import extend_chain, verify
from api.audit_chain_store import iter_records

TOPIC = "domain.membership:Membership.Joined"
PG_DDL = (
    "CREATE TABLE ledger_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
    " topic text, state bytea, notification_id bigserial,"
    " PRIMARY KEY (originator_id, originator_version));"
    " CREATE UNIQUE INDEX ledger_events_notification_id_idx ON ledger_events (notification_id)"
)
SQLITE_DDL = (
    "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT,"
    " state BLOB, PRIMARY KEY (originator_id, originator_version))"
)


def rows(n: int, as_uuid: bool) -> list[tuple[Any, int, str, bytes]]:
    """n records of ~300 random bytes, ten versions per aggregate."""
    noise = os.urandom(300 * n)
    out: list[tuple[Any, int, str, bytes]] = []
    oid: Any = None
    for i in range(n):
        if i % 10 == 0:
            oid = uuid.uuid4() if as_uuid else uuid.uuid4().hex
        out.append((oid, i % 10 + 1, TOPIC, noise[i * 300 : (i + 1) * 300]))
    return out


def timed(label: str, n: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    took = time.perf_counter() - start
    print(f"{label:<22} {took:8.2f} s  {n / took:12,.0f} records/s")
    return took


def bench(conn: Any, n: int) -> None:
    sum(1 for _ in iter_records(conn, table(conn)))  # warm the cache for a fair baseline
    read = timed("read rows (SELECT)", n, lambda: sum(1 for _ in iter_records(conn, table(conn))))
    ext = timed("extend_chain (seal)", n, lambda: extend_chain(conn))
    result = verify(conn)
    assert result.ok and result.checked == n, result
    ver = timed("verify", n, lambda: verify(conn))
    print(f"ratio to reading: extend_chain {ext / read:.1f}x, verify {ver / read:.1f}x")


def table(conn: Any) -> str:
    return "stored_events" if isinstance(conn, sqlite3.Connection) else "ledger_events"


def run_sqlite(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(os.path.join(tmp, "bench.sqlite"))
        try:
            conn.execute(SQLITE_DDL)
            with conn:  # commits
                timed("fill (executemany)", n, lambda: conn.executemany(
                    "INSERT INTO stored_events VALUES (?, ?, ?, ?)", rows(n, False)))
            bench(conn, n)
        finally:
            conn.close()


def run_postgres(n: int, dsn: str) -> None:
    import psycopg

    dbname = f"ul_bench_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        with psycopg.connect(dsn, dbname=dbname) as conn:
            conn.execute(PG_DDL)
            conn.commit()

            def fill() -> None:
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO ledger_events (originator_id, originator_version,"
                                    " topic, state) VALUES (%s, %s, %s, %s)", rows(n, True))
                conn.commit()

            timed("fill (executemany)", n, fill)
            conn.execute("ANALYZE ledger_events")
            conn.commit()
            bench(conn, n)
    finally:
        with psycopg.connect(dsn, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--dsn", default="host=127.0.0.1 port=5432 user=postgres")
    args = parser.parse_args()
    print(f"{args.records:,} records of ~300 bytes on {args.database}")
    if args.database == "sqlite":
        run_sqlite(args.records)
    else:
        run_postgres(args.records, args.dsn)


if __name__ == "__main__":
    main()
