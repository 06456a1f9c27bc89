"""The Union aggregate (R9): a node of the union tree, identified by its credit code.

Establishment is approved by the parent; reparenting moves the whole subtree.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.enums import UnionKind, UnionLevel
from domain.joining import UnionInfo


def union_id(credit_code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"union-ledger:union:{credit_code}")


class Union(Aggregate):
    if TYPE_CHECKING:
        code: str
        name: str
        kind: str
        level: str
        parent_code: str | None
        region_code: str
        employer_code: str | None
        approved_by: str | None
        established_on: date
        dissolved: bool

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str
        reason: str | None

    class Established(Event, Aggregate.Created):
        code: str
        name: str
        kind: str
        level: str
        parent_code: str | None
        region_code: str
        employer_code: str | None
        approved_by: str | None

        def apply(self, aggregate: Any) -> None:
            u = cast(Union, aggregate)
            u.code = self.code
            u.name = self.name
            u.kind = self.kind
            u.level = self.level
            u.parent_code = self.parent_code
            u.region_code = self.region_code
            u.employer_code = self.employer_code
            u.approved_by = self.approved_by
            u.established_on = self.effective_on
            u.dissolved = False

    class Renamed(Event):
        name: str

        def apply(self, aggregate: Any) -> None:
            cast(Union, aggregate).name = self.name

    class Reparented(Event):
        parent_code: str
        old_parent_code: str | None

        def apply(self, aggregate: Any) -> None:
            cast(Union, aggregate).parent_code = self.parent_code

    class Dissolved(Event):
        def apply(self, aggregate: Any) -> None:
            cast(Union, aggregate).dissolved = True

    def info(self) -> UnionInfo:
        return UnionInfo(
            code=self.code,
            name=self.name,
            kind=UnionKind(self.kind),
            region_code=self.region_code,
            employer_code=self.employer_code,
            dissolved=self.dissolved,
        )

    @property
    def level_enum(self) -> UnionLevel:
        return UnionLevel(self.level)
