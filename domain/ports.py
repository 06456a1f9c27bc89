"""What the ledger asks of the read side, as protocols the composition root fills in.

Default implementations replay the ledger's own notification log: correct, O(events); for
tests and small ledgers. The API wires the projection-backed ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from domain.application import Ledger


class MemberIndex(Protocol):
    def holding_members(self, union_code: str) -> list[UUID]:
        """Ids of memberships held by the union (active, retained, or in transit from it)."""
        ...


class ReplayMemberIndex:
    """MemberIndex by replaying every membership's events (small ledgers and tests)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def holding_members(self, union_code: str) -> list[UUID]:
        from domain.membership import Membership

        ids: set[UUID] = set()
        for n in self.ledger.notification_log.select(start=1, limit=10**12):
            if ".Membership." in n.topic or n.topic.endswith("Membership.Joined"):
                ids.add(n.originator_id)  # type: ignore[arg-type]
        out = []
        for mid in sorted(ids):
            m = self.ledger.repository.get(mid)
            assert isinstance(m, Membership)
            if m.holds and m.union_id == union_code:
                out.append(mid)
        return out
