"""The Employer aggregate: platform enterprises and their related enterprises (policy art. 1).

It records which union it has, so the joining-path rule can be checked on the write side.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.enums import EmployerKind
from domain.joining import EmployerInfo


def employer_id(credit_code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"union-ledger:employer:{credit_code}")


class Employer(Aggregate):
    if TYPE_CHECKING:
        code: str
        name: str
        kind: str
        region_code: str
        parent_code: str | None
        union_code: str | None
        closed: bool

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str
        reason: str | None

    class Registered(Event, Aggregate.Created):
        code: str
        name: str
        kind: str
        region_code: str
        parent_code: str | None

        def apply(self, aggregate: Any) -> None:
            e = cast(Employer, aggregate)
            e.code = self.code
            e.name = self.name
            e.kind = self.kind
            e.region_code = self.region_code
            e.parent_code = self.parent_code
            e.union_code = None
            e.closed = False

    class UnionLinked(Event):
        """The employer established its own union (art. 4: transfers to it become due)."""

        union_code: str

        def apply(self, aggregate: Any) -> None:
            cast(Employer, aggregate).union_code = self.union_code

    class UnionUnlinked(Event):
        union_code: str

        def apply(self, aggregate: Any) -> None:
            e = cast(Employer, aggregate)
            if e.union_code == self.union_code:
                e.union_code = None

    class Closed(Event):
        def apply(self, aggregate: Any) -> None:
            cast(Employer, aggregate).closed = True

    def info(self) -> EmployerInfo:
        return EmployerInfo(
            code=self.code,
            name=self.name,
            kind=EmployerKind(self.kind),
            region_code=self.region_code,
            union_code=self.union_code,
            closed=self.closed,
        )
