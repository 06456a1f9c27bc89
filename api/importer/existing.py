"""Preloads a batch's memberships in one query through the ledger's recorder.

Brand-new ids come back as None (no load per row); existing ones are folded from their stored
events. A concurrent change after the preload only makes the batch's save conflict.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.application import Ledger


def _rows(ledger: Ledger, ids: list[UUID]) -> list[tuple[Any, int, str, bytes]]:
    recorder = ledger.recorder
    table = recorder.events_table_name  # type: ignore[attr-defined]
    datastore = recorder.datastore  # type: ignore[attr-defined]
    cols = "originator_id, originator_version, topic, state"
    if type(recorder).__module__.startswith("eventsourcing.postgres"):
        with datastore.transaction(commit=False) as curs:
            # one text literal: psycopg adapts a 500-UUID list element by element (slow); the
            # 32 hex digits PostgreSQL also reads as a uuid are cheaper to write than str()
            literal = "{" + ",".join([i.hex for i in ids]) + "}"
            curs.execute(f"SELECT {cols} FROM {table} WHERE originator_id = ANY(%s::uuid[]) "
                         "ORDER BY originator_id, originator_version", (literal,))
            return [(r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"]))
                    for r in curs.fetchall()]
    out: list[tuple[Any, int, str, bytes]] = []
    wanted = [i.hex for i in ids]  # the SQLite recorder stores ids as 32 hex digits
    with datastore.transaction(commit=False) as curs:
        for k in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[k:k + 500]
            curs.execute(f"SELECT {cols} FROM {table} WHERE originator_id IN "
                         f"({','.join('?' * len(chunk))}) ORDER BY originator_id, "
                         "originator_version", chunk)
            out.extend((r[0], r[1], r[2], bytes(r[3])) for r in curs.fetchall())
    return out


def preload(ledger: Ledger, ids: Collection[UUID]) -> dict[UUID, Any]:
    """id → its aggregate as stored now, or None when it has no events."""
    found: dict[UUID, Any] = dict.fromkeys(ids)
    if not found:
        return found
    for oid, version, topic, state in _rows(ledger, list(found)):
        mid = oid if isinstance(oid, UUID) else UUID(str(oid))
        event = ledger.mapper.to_domain_event(StoredEvent(mid, version, topic, state))
        found[mid] = event.mutate(found[mid])
    return found
