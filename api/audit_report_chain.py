"""Which hash-chain position covers a report: extend the chain, then name the chain hash at the
subject's last stored record and, when a digest file is given, whether that seal covers it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from api import audit_chain_store as store
from api.audit_chain import extend_chain, read_digest
from api.settings import Settings

SEAL_PROBLEMS = {"missing": "文件不存在", "bad_signature": "签名无效或内容被改动",
                 "untrusted_key": "签名密钥不是受信任的封存密钥"}


@dataclass(frozen=True)
class ChainCover:
    covered_notification_id: int  # the subject's last stored record
    chain_hash: str  # hex chain hash at that record: commits to it and everything before it
    head_notification_id: int
    head_chain_hash: str
    record_count: int
    digest_path: str | None = None
    seal: dict[str, Any] | None = None  # the signed digest's fields, when valid
    seal_problem: str | None = None  # missing | bad_signature | untrusted_key

    @property
    def seal_problem_zh(self) -> str:
        return SEAL_PROBLEMS.get(self.seal_problem or "", self.seal_problem or "")

    @property
    def sealed(self) -> bool:
        """The signed digest covers the subject's records (seal head at or after them)."""
        return self.seal is not None and int(
            self.seal["head_notification_id"]) >= self.covered_notification_id


@contextmanager
def raw_connection(settings: Settings) -> Iterator[Any]:
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn:
            yield conn
    else:
        conn = sqlite3.connect(settings.sqlite_path, timeout=30)
        try:
            yield conn
        finally:
            conn.close()


def _last_record_id(conn: Any, events_table: str, ids: Sequence[UUID]) -> int:
    sqlite = store.is_sqlite(conn)
    col = "rowid" if sqlite else "notification_id"
    # eventsourcing.sqlite stores ids as 32 hex digits; accept the hyphenated form too
    params = tuple(f(i) for i in ids for f in (lambda u: u.hex, str)) if sqlite else tuple(ids)
    marks = ", ".join(("?" if sqlite else "%s") for _ in params)
    sql = (f"SELECT MAX({col}) FROM {store.quote_table(events_table)} "
           f"WHERE originator_id IN ({marks})")
    row = conn.execute(sql, params).fetchone()
    return int(row[0] or 0)


def _chain_hash_at(conn: Any, notification_id: int) -> bytes | None:
    mark = "?" if store.is_sqlite(conn) else "%s"
    row = conn.execute(
        f"SELECT chain_hash FROM {store.quote_table(store.DEFAULT_CHAIN_TABLE)} "
        f"WHERE notification_id = {mark}", (notification_id,)).fetchone()
    return None if row is None else bytes(row[0])


def chain_cover(settings: Settings, originator_ids: Sequence[UUID],
                digest_path: str | Path | None = None) -> ChainCover:
    """Extends the chain over every stored record, then locates the subject's last record."""
    with raw_connection(settings) as conn:
        head = extend_chain(conn)
        events_table = store.default_events_table(conn)
        covered = 0
        for i in range(0, len(originator_ids), 500):
            covered = max(covered, _last_record_id(conn, events_table,
                                                   originator_ids[i:i + 500]))
        at = _chain_hash_at(conn, covered) if covered else None
        store.end_read(conn)
    seal = problem = None
    if digest_path is None:  # the deployment's own seal (UNION_LEDGER_SEAL_DIGEST)
        digest_path = settings.seal_digest
    if digest_path is not None:
        if Path(digest_path).is_file():
            seal, problem = read_digest(digest_path, settings.seal_public_key)
        else:
            problem = "missing"
    return ChainCover(
        covered_notification_id=covered, chain_hash=at.hex() if at else "",
        head_notification_id=head.notification_id, head_chain_hash=head.chain_hash.hex(),
        record_count=head.record_count,
        digest_path=str(digest_path) if digest_path is not None else None,
        seal=seal, seal_problem=problem)
