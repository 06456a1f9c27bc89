"""The access log of unmasked personal data: who saw whose details, when, where and why.

Appended on every unmasked read; auditors query it at GET /audit/access-log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from api.http.db import ApiDatabase

SQLITE_DDL = """CREATE TABLE IF NOT EXISTS api_access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, subject TEXT NOT NULL,
    role TEXT NOT NULL, member_id TEXT NOT NULL, union_code TEXT, endpoint TEXT NOT NULL,
    purpose TEXT)"""
POSTGRES_DDL = (SQLITE_DDL.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "bigserial PRIMARY KEY"))
COLUMNS = ("id", "at", "subject", "role", "member_id", "union_code", "endpoint", "purpose")


class AccessLog:
    def __init__(self, db: ApiDatabase) -> None:
        self.db = db
        db.ddl(SQLITE_DDL, POSTGRES_DDL)

    def record(self, *, subject: str, role: str, member_id: str, union_code: str | None,
               endpoint: str, purpose: str | None) -> None:
        self.db.execute(
            "INSERT INTO api_access_log (at, subject, role, member_id, union_code, endpoint, "
            "purpose) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (datetime.now(UTC).isoformat(), subject, role, member_id, union_code, endpoint,
             unquote(purpose or "")[:200] or None))

    def page(self, *, member_id: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        where: str
        params: list[object]
        where, params = "id > ?", [after]
        if member_id:
            where += " AND member_id = ?"
            params.append(member_id)
        rows = self.db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM api_access_log WHERE {where} ORDER BY id LIMIT ?",
            (*params, limit))
        return [dict(zip(COLUMNS, r, strict=True)) for r in rows]
