"""transfer_inbox: memberships in transit, listed under the destination union (R5).

A row appears on `TransferredOut` and leaves on acceptance, cancellation, an ending, or when
R8 hands the member back; age and `overdue` are computed at query time from `out_on`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projections.base import Item, View, member_state, membership_items, stored_ids
from projections.db import Tx

COLS = ("member_id", "destination_union_code", "from_union_code", "out_on", "reason",
        "recorded_by", "recorded_at", "position")
DDL = """CREATE TABLE IF NOT EXISTS @transfer_inbox (
    member_id CODE PRIMARY KEY, destination_union_code CODE NOT NULL,
    from_union_code CODE NOT NULL, out_on DATE NOT NULL, reason TEXT, recorded_by TEXT,
    recorded_at TIMESTAMPTZ NOT NULL, position BIGINT NOT NULL)"""


class TransferInbox(View):
    name = "transfer_inbox"
    kinds = frozenset({
        "Membership.TransferredOut", "Membership.TransferredIn", "Membership.TransferCancelled",
        "Membership.Withdrew", "Membership.Expelled", "Membership.HeldAtParent",
    })
    tables = ("transfer_inbox",)

    def create(self, tx: Tx) -> None:
        tx.run(DDL)

    def create_indexes(self, tx: Tx) -> None:
        tx.create_index("transfer_inbox_dest_idx", "transfer_inbox",
                        "destination_union_code, out_on")

    def apply(self, tx: Tx, items: list[Item]) -> None:
        mitems = [i for i in membership_items(items) if i.kind in self.kinds]
        if not mitems:
            return
        ids = stored_ids(mitems)
        existing = {r[0]: dict(zip(COLS, r, strict=True)) for r in tx.all_in(
            f"SELECT {', '.join(COLS)} FROM @transfer_inbox WHERE member_id {{in}}", ids)}
        rows: dict[str, dict[str, Any] | None] = dict(existing)
        fold(rows, mitems, self.db.ts)
        # Touched rows are few (only this batch's members): replace them wholesale.
        tx.many("DELETE FROM @transfer_inbox WHERE member_id=?", [(m,) for m in existing])
        tx.insert("transfer_inbox", COLS,
                  [tuple(r[c] for c in COLS) for r in rows.values() if r is not None])


def fold(rows: dict[str, dict[str, Any] | None], mitems: list[Item],
         ts: Callable[[Any], Any]) -> None:
    """Moves each member's inbox row (None: not in transit); live batches and bulk rebuild."""
    for item in mitems:
        ev, mid = item.event, item.member_id
        row = rows.get(mid)
        if item.kind == "Membership.TransferredOut":
            rows[mid] = dict(
                member_id=mid, destination_union_code=ev.destination_union_id,
                from_union_code=ev.from_union_id, out_on=ev.effective_on, reason=ev.reason,
                recorded_by=ev.recorded_by, recorded_at=ts(ev.timestamp),
                position=item.position,
            )
        elif row is not None and item.kind == "Membership.HeldAtParent":
            # R8: the origin was dissolved (held one level up) or the destination was.
            s = member_state(status="in_transit", union_id=row["from_union_code"],
                             destination_union_id=row["destination_union_code"])
            ev.apply(s)
            rows[mid] = None if s.status != "in_transit" else dict(
                row, from_union_code=s.union_id, position=item.position)
        elif item.kind != "Membership.HeldAtParent":
            rows[mid] = None
