"""What every view is: the tables it owns, the event kinds it reads, and how it applies a batch.

Membership state changes reuse the domain events' own `apply` on a plain namespace, so a view
can never disagree with the aggregate about what an event means.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, ClassVar

from projections.db import Db, Tx

MEMBERSHIP = "Membership."
UNION = "Union."
EMPLOYER = "Employer."
#: {member id: version} → {member id: [(kind, event) of the membership's events before that
#: version, in order]}: what a view reads of members it met before (the Runner gives it)
History = Callable[[dict[str, int]], dict[str, list[tuple[str, Any]]]]


class Item:
    """One decoded notification: its position in the log, its kind and the domain event."""

    __slots__ = ("position", "kind", "event", "member_id")

    def __init__(self, position: int, kind: str, event: Any, member_id: str | None = None
                 ) -> None:
        self.position = position
        self.kind = kind  # e.g. "Membership.Joined" (the topic after the module)
        self.event = event
        # also a union's or employer's id; str(originator_id) unless the caller has it
        self.member_id = str(event.originator_id) if member_id is None else member_id


def kind_of(topic: str) -> str:
    return topic.rpartition(":")[2]


_MEMBER: dict[str, Any] = dict(
    status=None, union_id=None, destination_union_id=None, worker_group=None, channel=None,
    employment=None, personal=None, joined_on=None, since=None, delegated_to=None, erased=False,
)


def member_state(**fields: Any) -> SimpleNamespace:
    """A stand-in for a Membership that the events' `apply` methods can mutate (filled from a
    template: ~2x faster than SimpleNamespace(**fields), three per member in a live batch)."""
    s = SimpleNamespace()
    d = s.__dict__
    d.update(_MEMBER)
    d["employment"] = {}  # each its own
    if fields:
        d.update(fields)
    return s


class View(ABC):
    """A read model: tables plus tracking, updated in one transaction per batch."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    tables: ClassVar[tuple[str, ...]]
    #: rows keyed by member (plus additive counters): a rebuild may split the members
    #: over processes, each seeing its members' events and every union/employer event
    partitioned: ClassVar[bool] = True
    #: the tables' meaning: a view whose version differs from the one its tracking row records
    #: is dropped and projected again from position 0 (Runner.ensure_tables). 2: identifier
    #: columns in the "C" collation (projections.db), so every view's tables join alike
    version: ClassVar[int] = 2
    #: applied on a second connection, beside the other views, when a batch is big enough
    #: (Runner._apply_batch): the heaviest views, so that the two halves take about as long
    side: ClassVar[bool] = False
    #: tables an earlier version of the view had: dropped with the view's own
    retired: ClassVar[tuple[str, ...]] = ()
    #: the events of members met in earlier batches (`History`), for views that keep no row
    #: per member: set by the Runner that drives the view
    history: History | None = None

    def __init__(self, db: Db) -> None:
        self.db = db
        self.reset()

    @abstractmethod
    def create(self, tx: Tx) -> None:
        """Creates the view's tables and indexes if missing."""

    def create_indexes(self, tx: Tx) -> None:  # noqa: B027 - optional hook
        """Query indexes the view's own updates do not need: built after a bulk rebuild."""

    @abstractmethod
    def apply(self, tx: Tx, items: list[Item]) -> None:
        """Applies the batch's events (already filtered to positions after the tracking)."""

    def reset(self) -> None:  # noqa: B027 - optional hook
        """Forgets in-memory caches (after a failed batch or when another writer moved on)."""

    def partition(self, part: int, parts: int) -> None:  # noqa: B027 - optional hook
        """Prepares the view to see only members of partition `part` of `parts`."""

    def for_db(self, db: Db) -> View:
        """The same view (same vault and keys) writing to another namespace."""
        clone = copy.copy(self)
        clone.db = db
        clone.reset()
        return clone

    def earlier_events(self, items: list[Item], members: Callable[[Item], bool] | None = None
                       ) -> dict[str, list[tuple[str, Any]]]:
        """`history` of the members among `items` (those with an item for which `members`
        holds, if given) whose first event here is not the membership's first: they had
        events in earlier batches. Nothing to read for a batch of joins."""
        first: dict[str, int] = {}
        for i in items:
            if i.kind.startswith(MEMBERSHIP):
                first.setdefault(i.member_id, i.event.originator_version)
        wanted = None if members is None else {i.member_id for i in items if members(i)}
        first = {m: v for m, v in first.items() if v != 1 and (wanted is None or m in wanted)}
        if not first:
            return {}
        if self.history is None:
            raise RuntimeError(f"{self.name} needs the runner's history of members")
        return self.history(first)

    def drop(self, tx: Tx) -> None:
        for t in (*reversed(self.tables), *self.retired):
            tx.run(f"DROP TABLE IF EXISTS @{t}")
        tx.db.forget_types()  # the next create may define other columns
        self.reset()


def stored_ids(items: list[Item]) -> list[str]:
    """The member ids among `items` whose rows a view may already hold: not those whose first
    event here is the membership's first (version 1), created in this very batch (a bulk
    import's batches are all new members: no lookup at all)."""
    first: dict[str, int] = {}
    for i in items:
        if i.kind.startswith(MEMBERSHIP):
            first.setdefault(i.member_id, i.event.originator_version)
    return [m for m, v in first.items() if v != 1]


def membership_items(items: list[Item]) -> list[Item]:
    return [i for i in items if i.kind.startswith(MEMBERSHIP)]
