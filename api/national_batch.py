"""A unit of work over the Ledger for bulk loading: run many ordinary commands, save once.

Every command still loads, checks its rule and triggers its event as usual; only the save is
deferred, and aggregates touched earlier in the same unit are served from memory, so several
commands on one membership see each other. One `ledger.save(...)` per flush: all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from domain.application import Ledger


class UnitOfWork:
    def __init__(self, ledger: Ledger, size: int = 500, keep: tuple[type, ...] = ()) -> None:
        self.ledger, self.size, self.keep = ledger, size, keep
        self.pending: dict[UUID, Any] = {}
        # read-mostly aggregates (unions, employers) kept across flushes: the loader is the
        # only writer while it runs, and a kept aggregate mutated here is that same object
        self.kept: dict[UUID, Any] = {}
        self.saved = 0  # events recorded so far
        self._get = ledger.repository.get

    def _defer(self, *aggregates: Any) -> int:
        for agg in aggregates:
            if agg is not None:
                self.pending[agg.id] = agg
        return 0  # no position yet: callers of a bulk load do not read it

    def _cached_get(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        if kwargs:
            return self._get(aggregate_id, **kwargs)
        found = self.pending.get(aggregate_id) or self.kept.get(aggregate_id)
        if found is None:
            found = self._get(aggregate_id)
            if isinstance(found, self.keep):
                self.kept[aggregate_id] = found
        return found

    def flush(self) -> None:
        if self.pending:
            recordings = self.ledger.save(*self.pending.values())
            self.saved += len(recordings)
            self.pending.clear()

    def maybe_flush(self) -> None:
        """Flush once `size` aggregates are waiting (call between whole commands only)."""
        if len(self.pending) >= self.size:
            self.flush()


@contextmanager
def unit_of_work(
    ledger: Ledger, size: int = 500, keep: tuple[type, ...] = (),
) -> Iterator[UnitOfWork]:
    """Within the block the ledger's commands defer their saves into `uow`; flushed on exit.

    A command that raises has triggered nothing (each checks before it triggers), so the unit
    stays consistent; an error on flush records nothing of that flush.
    """
    uow = UnitOfWork(ledger, size, keep)
    ledger._save = uow._defer  # type: ignore[method-assign]
    ledger.repository.get = uow._cached_get  # type: ignore[method-assign]
    try:
        yield uow
        uow.flush()
    finally:
        del ledger._save
        del ledger.repository.get
