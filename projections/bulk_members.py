"""Bulk-rebuild folds for the per-member views: member_directory and membership_periods.

Rows live in memory as tuples between pages; the directory opens each person's sealed details
once, from the final token, at load time (one keystore query per chunk, none for the erased).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any

from projections.base import Item
from projections.db import Tx
from projections.member_directory import (
    COLS,
    PERSONAL,
    MemberDirectory,
    _from_row,
    _to_row,
    fold,
    personal_fields,
)
from projections.membership_periods import COLS as PERIOD_COLS
from projections.membership_periods import VALID_TO, MembershipPeriods, _Member

PENDING = object()  # masked_name until the load opens the member's final token
_P0, _P1 = COLS.index(PERSONAL[0]), COLS.index(PERSONAL[-1]) + 1
OPEN_CHUNK = 2000


def copy_rows(tx: Tx, table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """One streamed COPY on PostgreSQL; executemany (in the caller's transaction) on SQLite."""
    names = ", ".join(cols)
    if tx.db.dialect == "postgres":
        with tx.cur.copy(f"COPY {tx.db.table(table)} ({names}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
    else:
        marks = ", ".join("?" * len(cols))
        tx.cur.executemany(f"INSERT INTO {tx.db.table(table)} ({names}) VALUES ({marks})", rows)


def _defer(member_id: str, token: str) -> dict[str, Any]:
    return {"masked_name": PENDING, "personal": token}


class DirectoryFold:
    def __init__(self, view: MemberDirectory) -> None:
        self.view = view
        self.rows: dict[str, tuple[Any, ...]] = {}

    def fold(self, items: list[Item]) -> None:
        rows = self.rows

        def load(mid: str) -> SimpleNamespace | None:
            row = rows.get(mid)
            return None if row is None else _from_row(row)

        states: dict[str, SimpleNamespace] = {}
        fold(states, load, items, self.view.db.ts, _defer)
        for mid, s in states.items():
            rows[mid] = _to_row(s)

    def load(self, tx: Tx) -> None:
        rows, self.rows = self.rows, {}
        copy_rows(tx, "member_directory", COLS, self._opened(rows.values()))

    def _opened(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        """The rows with their personal columns filled in, opening tokens a chunk at a time."""
        pending: list[tuple[Any, ...]] = []
        for row in rows:
            if row[_P0] is PENDING:
                pending.append(row)
                if len(pending) >= OPEN_CHUNK:
                    yield from self._open(pending)
                    pending = []
            else:
                yield row
        yield from self._open(pending)

    def _open(self, rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        if not rows:
            return
        token_at = COLS.index("personal")
        identity = self.view.identity
        opened = self.view.vault.open_many([(r[0], r[token_at]) for r in rows])
        for row, details in zip(rows, opened, strict=True):
            p = personal_fields(identity, row[token_at], details)
            yield row[:_P0] + tuple(p[c] for c in PERSONAL) + row[_P1:]


class PeriodsFold:
    """Closed intervals go to a list of tuples; each member's open one stays a (mutable) list."""

    def __init__(self, view: MembershipPeriods) -> None:
        self.view = view
        self.open: dict[str, list[Any]] = {}
        self.closed: list[tuple[Any, ...]] = []

    def fold(self, items: list[Item]) -> None:
        members: dict[str, _Member] = {}
        for item in items:
            m = members.get(item.member_id)
            if m is None:
                m = members[item.member_id] = _Member(self.open.get(item.member_id))
            m.step(item)
        for mid, m in members.items():
            if not m.rows:
                continue
            if m.loaded is not None:
                assert m.loaded[VALID_TO] is not None  # closed by the first new row
                self.closed.append(tuple(m.loaded))
            self.closed += [tuple(r) for r in m.rows[:-1]]
            self.open[mid] = m.rows[-1]

    def load(self, tx: Tx) -> None:
        closed, opened, self.closed, self.open = self.closed, self.open, [], {}
        copy_rows(tx, "membership_periods", PERIOD_COLS,
                  (*closed, *(tuple(r) for r in opened.values())))
