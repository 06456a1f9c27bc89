"""application_queue: pending online applications per union (art. 8), for the review queue.

A row appears on `Submitted` and leaves on `Approved` or `Rejected`; age is computed at query
time. Only the masked name is kept, and it is purged when the person's data is erased.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.personal import PersonalDataVault
from domain.values.resident_id import mask_name
from projections.base import Item, View
from projections.db import Db, Tx

COLS = ("application_id", "application_no", "union_code", "worker_group", "channel",
        "consent_given_by", "submitted_on", "subject", "masked_name", "position")
DDL = """CREATE TABLE IF NOT EXISTS @application_queue (
    application_id CODE PRIMARY KEY, application_no CODE NOT NULL, union_code CODE NOT NULL,
    worker_group CODE NOT NULL, channel CODE NOT NULL, consent_given_by CODE NOT NULL,
    submitted_on DATE NOT NULL, subject CODE NOT NULL, masked_name TEXT,
    position BIGINT NOT NULL)"""
ERASED = "Membership.PersonalDataErased"


class ApplicationQueue(View):
    name = "application_queue"
    kinds = frozenset({"JoinApplication.Submitted", "JoinApplication.Approved",
                       "JoinApplication.Rejected", ERASED})
    tables = ("application_queue",)

    def __init__(self, db: Db, vault: PersonalDataVault) -> None:
        super().__init__(db)
        self.vault = vault

    def create(self, tx: Tx) -> None:
        tx.run(DDL)

    def create_indexes(self, tx: Tx) -> None:
        tx.create_index("application_queue_union_idx", "application_queue",
                        "union_code, submitted_on")

    def _masked(self, subject: str, token: str) -> str | None:
        details = self.vault.open(subject, token)
        return mask_name(details.name) if details else None

    def apply(self, tx: Tx, items: list[Item]) -> None:
        mine = [i for i in items if i.kind in self.kinds]
        rows: dict[str, tuple[Any, ...] | None] = {}
        erased: list[str] = []
        for item in mine:
            ev = item.event
            if item.kind == ERASED:
                erased.append(item.member_id)
            elif item.kind == "JoinApplication.Submitted":
                rows[item.member_id] = (
                    item.member_id, ev.application_no, ev.union_code, ev.worker_group,
                    ev.channel, ev.consent["given_by"], ev.effective_on, ev.subject,
                    self._masked(ev.subject, ev.personal), item.position)
            else:  # decided: off the queue
                rows[item.member_id] = None
        if rows:
            tx.many("DELETE FROM @application_queue WHERE application_id=?",
                    [(k,) for k in rows])
            tx.insert("application_queue", COLS, [r for r in rows.values() if r is not None])
        if erased:
            tx.many("UPDATE @application_queue SET masked_name=NULL WHERE subject=?",
                    [(s,) for s in erased])


def pending_applications(db: Db, union_code: str, today: date) -> list[dict[str, Any]]:
    """The union's queue, oldest first, with age in days (the API's review list)."""
    with db.read() as tx:
        rows = tx.dicts(
            "SELECT application_no, union_code, worker_group, channel, consent_given_by,"
            " submitted_on, masked_name FROM @application_queue WHERE union_code=?"
            " ORDER BY submitted_on, application_no", (union_code,))
    out = []
    for r in rows:
        on = r["submitted_on"]
        on = on if isinstance(on, date) else date.fromisoformat(str(on))
        out.append({
            "application_no": r["application_no"], "status": "submitted",
            "status_zh": "待审核", "union_code": r["union_code"], "channel": r["channel"],
            "submitted_on": on.isoformat(), "decided_on": None, "reason": None,
            "name_masked": r["masked_name"] or "", "worker_group": r["worker_group"],
            "consent_given_by": r["consent_given_by"], "age_days": (today - on).days})
    return out
