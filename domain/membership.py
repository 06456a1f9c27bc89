"""The Membership aggregate: one per person, the whole history of 一次入会、动态接转 (R1, R5-R8).

Every event carries the actor (`recorded_by`), the business date (`effective_on`) and a reason
where one applies; the library adds the recording time (`timestamp`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.domain import Aggregate, CanMutateAggregate

from domain.enums import HOLDING_STATUSES, STATUS_ZH, Status
from domain.errors import InvalidTransitionError


class Membership(Aggregate):
    """State is derived from events only; commands check the transition, then trigger."""

    if TYPE_CHECKING:
        status: Status
        union_id: str  # union code holding the membership (the origin while in transit)
        destination_union_id: str | None
        worker_group: str
        channel: str
        employment: dict[str, Any]
        personal: str  # sealed PersonalDetails token
        joined_on: date
        since: date
        delegated_to: str | None
        erased: bool

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str
        reason: str | None

    class Joined(Event, Aggregate.Created):
        """入会: the first join creates the history; a rejoin after withdrawal appends to it.

        v2 added `campaign_id` (入会集中行动); stored v1 events are upcast with None.
        """

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # setdefault, not assignment: events written before class_version existed
            # already carry campaign_id without saying which version they are.
            state.setdefault("campaign_id", None)

        union_id: str
        worker_group: str
        channel: str
        employment: dict[str, Any]
        personal: str
        basis: str
        campaign_id: str | None

        def mutate(self, aggregate: Any) -> Any:
            if aggregate is None:
                return super().mutate(None)
            return CanMutateAggregate.mutate(self, aggregate)

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.ACTIVE
            m.union_id = self.union_id
            m.destination_union_id = None
            m.worker_group = self.worker_group
            m.channel = self.channel
            m.employment = dict(self.employment)
            m.personal = self.personal
            m.joined_on = self.effective_on
            m.since = self.effective_on
            m.delegated_to = None
            m.erased = False

    class TransferredOut(Event):
        """转出: released by the holding union towards a destination (in transit)."""

        from_union_id: str
        destination_union_id: str

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.IN_TRANSIT
            m.destination_union_id = self.destination_union_id
            m.since = self.effective_on

    class TransferredIn(Event):
        """转入: accepted by the destination union."""

        union_id: str
        from_union_id: str

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.ACTIVE
            m.union_id = self.union_id
            m.destination_union_id = None
            m.delegated_to = None
            m.since = self.effective_on

    class TransferCancelled(Event):
        """The destination declined, or the origin withdrew the transfer: back to the origin."""

        union_id: str
        destination_union_id: str

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.ACTIVE
            m.destination_union_id = None
            m.since = self.effective_on

    class EmploymentChanged(Event):
        employment: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            cast(Membership, aggregate).employment = dict(self.employment)

    class DetailsCorrected(Event):
        personal: str | None
        worker_group: str | None

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            if self.personal is not None:
                m.personal = self.personal
            if self.worker_group is not None:
                m.worker_group = self.worker_group

    class Retained(Event):
        """保留会籍 on retirement or unemployment (R6): stays with its union, dues-exempt."""

        cause: str

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.RETAINED
            m.since = self.effective_on

    class Reactivated(Event):
        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.ACTIVE
            m.since = self.effective_on

    class Withdrew(Event):
        """退会 (R7): voluntary, or automatic after 6 months without dues or participation."""

        automatic: bool

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.WITHDRAWN
            m.destination_union_id = None
            m.delegated_to = None
            m.since = self.effective_on

    class Expelled(Event):
        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.status = Status.EXPELLED
            m.destination_union_id = None
            m.delegated_to = None
            m.since = self.effective_on

    class ManagementDelegated(Event):
        """委托代管 (R4): day-to-day management by the using unit's union; still counted here."""

        to_union_id: str

        def apply(self, aggregate: Any) -> None:
            cast(Membership, aggregate).delegated_to = self.to_union_id

    class HeldAtParent(Event):
        """R8: the union was dissolved or its employer closed; held one level up."""

        union_id: str
        from_union_id: str

        def apply(self, aggregate: Any) -> None:
            m = cast(Membership, aggregate)
            m.union_id = self.union_id
            m.delegated_to = None
            if m.status == Status.IN_TRANSIT and m.destination_union_id == self.from_union_id:
                m.status = Status.ACTIVE
                m.destination_union_id = None

    class PersonalDataErased(Event):
        """PIPL art. 47: the data key was destroyed; read models purge their copies."""

        def apply(self, aggregate: Any) -> None:
            cast(Membership, aggregate).erased = True

    # -- transitions ---------------------------------------------------------------------

    def _require(self, allowed: set[Status], action_zh: str, action: str) -> None:
        status = Status(self.status)
        if status not in allowed:
            raise InvalidTransitionError(
                f"会籍当前状态为「{STATUS_ZH[status]}」，不能{action_zh}",
                message_en=f"cannot {action} a membership that is {status.value}",
                code=f"membership.cannot_{action.replace(' ', '_')}",
                field="status",
                rule="R5" if "transfer" in action else "R4" if action == "delegate" else "R6-R7",
                details={"status": status.value},
            )

    @property
    def holds(self) -> bool:
        return self.status in HOLDING_STATUSES

    def check_transfer_out(self) -> None:
        self._require({Status.ACTIVE}, "转出", "transfer out")

    def check_in_transit(self, action_zh: str, action: str) -> None:
        self._require({Status.IN_TRANSIT}, action_zh, action)

    def check_retain(self) -> None:
        self._require({Status.ACTIVE}, "保留会籍", "retain")

    def check_reactivate(self) -> None:
        self._require({Status.RETAINED}, "恢复会籍", "reactivate")

    def check_end(self, action_zh: str, action: str) -> None:
        self._require({Status.ACTIVE, Status.RETAINED}, action_zh, action)

    def check_holding(self) -> None:
        self._require({Status.ACTIVE, Status.RETAINED, Status.IN_TRANSIT}, "变更", "change")

    def check_delegate(self) -> None:
        self._require({Status.ACTIVE}, "委托代管", "delegate")
