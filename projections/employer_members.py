"""EmployerMemberIndex over member_directory: active members by recorded employer or using unit.

Used by the automatic transfers (art. 4); refuses rather than answer from a stale view.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.errors import ConflictError

FRESH_TIMEOUT = 10.0


class ProjectedEmployerMembers:
    def __init__(self, store: Any) -> None:
        self.store = store  # a ReadStore: its db, ledger and wait_for

    def employer_members(self, employer_code: str) -> list[UUID]:
        top = self.store.ledger.recorder.max_notification_id() or 0
        if not self.store.wait_for(top, timeout=FRESH_TIMEOUT):
            raise ConflictError("读库尚未同步到最新记录，请稍后重试",
                                message_en="the read side is behind the ledger; retry shortly",
                                code="read_side.behind")
        with self.store.db.read() as tx:
            rows = tx.all("SELECT member_id FROM @member_directory WHERE status=?"
                          " AND (employer_code=? OR using_unit_code=?) ORDER BY member_id",
                          ("active", employer_code, employer_code))
        return [UUID(r[0]) for r in rows]
