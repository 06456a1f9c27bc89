"""Idempotent writes: (token subject, Idempotency-Key) → the first response, in the ledger's DB.

A retry with the same key and body gets the stored response and records nothing new; the same
key with a different body is refused (422). The body is fingerprinted with a keyed hash, never
stored, because it may hold personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

from api.http.db import ApiDatabase
from domain.errors import ValidationError

WriteResult = tuple[int, dict[str, Any], dict[str, str]]

SQLITE_DDL = """CREATE TABLE IF NOT EXISTS api_idempotency (
    subject TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
    body TEXT NOT NULL, headers TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (subject, key))"""
POSTGRES_DDL = SQLITE_DDL.replace("INTEGER", "integer")


class IdempotencyStore:
    def __init__(self, db: ApiDatabase, secret: bytes) -> None:
        self.db = db
        self._secret = secret
        db.ddl(SQLITE_DDL, POSTGRES_DDL)

    def fingerprint(self, *parts: str) -> str:
        return hmac.new(self._secret, "\x00".join(parts).encode(), hashlib.sha256).hexdigest()

    def run(self, subject: str, key: str | None, fingerprint: str,
            write: Callable[[], WriteResult]) -> JSONResponse:
        if key is None:
            status, body, headers = write()
            return JSONResponse(body, status_code=status, headers=headers)
        if not key.strip() or len(key) > 200:
            raise ValidationError("Idempotency-Key 须为 1-200 个字符",
                                  message_en="Idempotency-Key: 1-200 characters",
                                  code="idempotency_key.invalid", field="Idempotency-Key")
        rows = self.db.execute(
            "SELECT fingerprint, status, body, headers FROM api_idempotency "
            "WHERE subject=? AND key=?", (subject, key))
        if rows:
            fp, status, body, headers = rows[0]
            if fp != fingerprint:
                raise ValidationError(
                    "同一 Idempotency-Key 已用于不同的请求内容",
                    message_en="this Idempotency-Key was used with a different request",
                    code="idempotency_key.reused", field="Idempotency-Key")
            replay_headers = {**json.loads(headers), "Idempotent-Replayed": "true"}
            return JSONResponse(json.loads(body), status_code=int(status), headers=replay_headers)
        status, body, headers = write()
        self.db.execute(
            "INSERT INTO api_idempotency (subject, key, fingerprint, status, body, headers, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject, key) DO NOTHING",
            (subject, key, fingerprint, status, json.dumps(body, ensure_ascii=False),
             json.dumps(headers), datetime.now(UTC).isoformat()))
        return JSONResponse(body, status_code=status, headers=headers)
