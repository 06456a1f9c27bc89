"""What the ledger asks of the read side, as protocols the composition root fills in.

Default implementations replay the ledger's own notification log: correct, O(events); for
tests and small ledgers. The API wires the projection-backed ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from domain.ledger_base import LedgerBase
    from domain.membership import Membership


class MemberIndex(Protocol):
    def holding_members(self, union_code: str) -> list[UUID]:
        """Ids of memberships held by the union (active, retained, or in transit from it)."""
        ...


def replay_memberships(ledger: LedgerBase) -> Iterator[Membership]:
    """Every membership, loaded from its events, in id order (O(events): small ledgers, tests)."""
    from eventsourcing.utils import get_topic

    from domain.membership import Membership

    # Page through the recorder: notification_log.select() refuses limits above its section
    # size (10), and every membership starts with a Joined event.
    ids: set[UUID] = set()
    joined = [get_topic(Membership.Joined)]
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start, 1000, topics=joined)
        ids.update(n.originator_id for n in page)  # type: ignore[misc]
        if len(page) < 1000:
            break
        start = page[-1].id + 1
    for mid in sorted(ids):
        m: Any = ledger.repository.get(mid)
        assert isinstance(m, Membership)
        yield m


class ReplayMemberIndex:
    """MemberIndex by replaying every membership's events (small ledgers and tests)."""

    def __init__(self, ledger: LedgerBase) -> None:
        self.ledger = ledger

    def holding_members(self, union_code: str) -> list[UUID]:
        return [m.id for m in replay_memberships(self.ledger)
                if m.holds and m.union_id == union_code]


class EmployerMemberIndex(Protocol):
    def employer_members(self, employer_code: str) -> list[UUID]:
        """Ids of active memberships whose recorded employer or using unit is this employer."""
        ...


class ReplayEmployerMembers:
    """EmployerMemberIndex by replaying every membership (small ledgers and tests): O(members)."""

    def __init__(self, ledger: LedgerBase) -> None:
        self.ledger = ledger

    def employer_members(self, employer_code: str) -> list[UUID]:
        return [
            m.id for m in replay_memberships(self.ledger)
            if m.status == "active" and employer_code in (
                m.employment.get("employer_code"), m.employment.get("using_unit_code"))
        ]
