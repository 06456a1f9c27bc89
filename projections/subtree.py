"""What the subtree-counter views share (membership_counts, membership_flows): each keeps its
own memory of the union tree (a table of code, aggregate id and parent, so it can be rebuilt
alone) and, in a partitioned rebuild, its own contributions to the shared counters."""

from __future__ import annotations

from typing import Any, ClassVar

from projections.base import View
from projections.db import Tx

MAX_DEPTH = 64


def chain(parents: dict[str, str | None], code: str | None) -> list[str]:
    """The union and its ancestors, nearest first."""
    out: list[str] = []
    while code is not None and len(out) < MAX_DEPTH:
        out.append(code)
        code = parents.get(code)
    return out


class SubtreeCounterView(View):
    unions_table: ClassVar[str]  # (code, agg_id, parent_code)

    #: partitioned rebuild: this process's own contributions (other processes add theirs to
    #: the same counters), and whether it writes the tree rows every process shares
    local: dict[Any, int] | None = None
    shared_writes = True

    def partition(self, part: int, parts: int) -> None:
        self.local = {}
        self.shared_writes = part == 0

    def reset(self) -> None:
        self._parents: dict[str, str | None] | None = None
        self._by_id: dict[str, str] = {}
        self._chains: dict[str, list[str]] = {}

    def _tree(self, tx: Tx) -> dict[str, str | None]:
        if self._parents is None:
            rows = tx.all(f"SELECT code, agg_id, parent_code FROM @{self.unions_table}")
            self._parents = {c: p for c, _, p in rows}
            self._by_id = {a: c for c, a, _ in rows}
        assert self._parents is not None
        return self._parents

    def chain(self, parents: dict[str, str | None], code: str | None) -> list[str]:
        return chain(parents, code)
